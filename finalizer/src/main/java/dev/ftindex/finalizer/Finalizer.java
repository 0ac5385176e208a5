package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import dev.ftindex.finalizer.FinalizeResult.Cleanup;
import dev.ftindex.finalizer.FinalizeResult.Contents;
import dev.ftindex.finalizer.FinalizeResult.Copies;
import dev.ftindex.finalizer.FinalizeResult.Planning;
import dev.ftindex.finalizer.FinalizeResult.Status;
import dev.ftindex.format.AppendBase;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.DeletionManifest;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.FinalizePlan.PlannedPartition;
import dev.ftindex.format.FinalizePlan;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.Json;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.NotCommittedException;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.Verdict;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.RunStats;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StorageException;
import dev.ftindex.objectstore.Tasks;
import dev.ftindex.objectstore.TransientStorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Commits the staged partitions of an index root. Orchestrators may run it again after any
 * failure, and several copies may run at once: every run converges on the same committed index.
 *
 * <ol>
 *   <li>Committed check: a valid {@code metadata.lance} makes the run a no-op apart from a
 *       best-effort cleanup of {@code staging/}; an unreadable one is an error and is never
 *       overwritten.
 *   <li>Plan: what to commit is {@link IndexRoot#verdict}'s decision (the same one {@code status}
 *       shows): follow the frozen plan, or make one from the manifests and create it
 *       create-only; on a lost race, follow the winner's. Before a plan is made, the ids of the
 *       staged partitions are checked to be unique across them ({@link IdCheck}): duplicates fail
 *       the run with nothing frozen (exit 3) unless allowed, and the plan records their count.
 *   <li>Copy every planned file from its attempt to {@code part_<n>/}, server-side. Final paths
 *       are never deleted; a final file that already has the planned size and checksum is kept.
 *   <li>Verify every final file's size and footer checksum against the plan.
 *   <li>Commit: create {@code metadata.lance}, derived from the plan alone, create-only.
 *   <li>Best-effort removal of {@code staging/} (the plan last), never failing the run.
 * </ol>
 *
 * <p>Atomic: the creation of the plan and of {@code metadata.lance}. Nothing that can fail the
 * commit runs after it. What a failure may leave behind: final files of an uncommitted plan
 * (which a rerun reuses or overwrites with the same bytes) and {@code staging/}, never a
 * half-visible index: readers decide by {@code metadata.lance} alone.
 *
 * <p>Failures say what to do next: {@link dev.ftindex.format.PartitionsMissingException} (wait,
 * rerun), {@link ConflictException} (a person must look), {@link CorruptIndexException} and
 * {@link dev.ftindex.objectstore.CorruptObjectException} (never clean up: inspect),
 * {@link TransientStorageException} (rerun: every step is idempotent).
 *
 * <p>An append ({@link AppendBase}) is the same protocol: the plan puts the base's partitions
 * first and the staged ones after them, once {@link IdCheck} found the new ids new (in the base
 * too); step 3 copies
 * the base's final files as well (server-side when the base is a view of the same store), so a
 * committed generation never depends on another generation's files, and gc, rollback and every
 * reader stay as they are. A base deleted while this runs makes the copy fail: nothing is
 * committed, and the run says so (exit 4).
 *
 * <p>One run per instance: {@link #run} may be called once.
 */
public final class Finalizer {
    private static final System.Logger LOG = System.getLogger(Finalizer.class.getName());

    private static final int DUPLICATE_EXAMPLES = 10;

    private final ObjectStore index;
    private final Optional<AppendBase> base;
    private final BaseUpdate update;
    private final FinalizerConfig config;
    private final Progress progress;
    private final List<String> notes = new ArrayList<>();
    private final AtomicBoolean ran = new AtomicBoolean();
    private RunStats.Clock clock;
    private FinalizeResult.IdCheck idCheck;
    private FinalizeResult.Update updated;

    public Finalizer(ObjectStore index, FinalizerConfig config, Progress progress) {
        this(index, Optional.empty(), config, progress);
    }

    /** A finalizer of an append to {@code base} (empty: of a whole index). */
    public Finalizer(ObjectStore index, Optional<AppendBase> base, FinalizerConfig config, Progress progress) {
        this(index, base, BaseUpdate.NONE, config, progress);
    }

    /**
     * A finalizer of an append to {@code base} that also deletes documents of it ({@code update}:
     * upserts, a delete list).
     *
     * @throws IllegalArgumentException if {@code update} deletes something and there is no base
     */
    public Finalizer(ObjectStore index, Optional<AppendBase> base, BaseUpdate update, FinalizerConfig config, Progress progress) {
        this.index = requireNonNull(index, "index is null");
        this.base = requireNonNull(base, "base is null");
        this.update = requireNonNull(update, "update is null");
        if (update.any() && base.isEmpty()) {
            throw new IllegalArgumentException("upserts and deletes update a base: give the base (--base)");
        }
        this.config = requireNonNull(config, "config is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /**
     * Runs the protocol once.
     *
     * @throws IllegalStateException if this finalizer has run already
     */
    public FinalizeResult run() {
        if (!ran.compareAndSet(false, true)) {
            throw new IllegalStateException("a Finalizer runs once; make a new one for another run");
        }
        clock = new RunStats.Clock(index.metrics());
        ExecutorService pool = Tasks.pool(config.concurrency(), "finalize");
        try {
            IndexRoot root = new IndexRoot(index, pool);
            Optional<IndexMetadata> committed = committed(root);
            if (committed.isPresent()) {
                return alreadyCommitted(committed.get());
            }
            Planned planned;
            try {
                planned = plan(root, pool);
            } catch (CommittedMeanwhile meanwhile) {
                return alreadyCommitted(meanwhile.metadata);
            }
            FinalizePlan plan = planned.plan();
            Copied copied = copy(plan, pool);
            if (!copied.vanished().isEmpty()) {
                baseGone(copied.vanished());
                return afterVanishedSources(root, plan, copied.vanished());
            }
            verify(plan, copied.toVerify(), pool);
            Status status = commit(plan);
            Cleanup cleanup = cleanup();
            return result(status, IndexMetadata.fromPlan(plan), new Planning(plan.partitionCount(), planned.unplanned()),
                    copied.copies(), cleanup);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Raised inside the run when it finds that another finalizer committed (and cleaned up)
     * while this one was planning: the run ends as "already committed".
     */
    private static final class CommittedMeanwhile extends RuntimeException {
        final IndexMetadata metadata;

        CommittedMeanwhile(IndexMetadata metadata) {
            super(null, null, false, false);
            this.metadata = metadata;
        }
    }

    /** Something staged vanished under us: committed meanwhile, or staging is being tampered with. */
    private CommittedMeanwhile committedMeanwhile(IndexRoot root, String vanished) {
        Optional<IndexMetadata> committed = root.committedNow();
        if (committed.isPresent()) {
            return new CommittedMeanwhile(committed.get());
        }
        throw new ConflictException(index.location() + vanished + " vanished while this finalizer read it, and the index"
                + " is not committed: is something other than a finalizer deleting staging/?");
    }

    // 1. Committed check.

    private Optional<IndexMetadata> committed(IndexRoot root) {
        try (Stage stage = progress.stage("checking", Unit.OBJECTS, 1, -1)) {
            Optional<IndexMetadata> metadata = root.committed();
            stage.add(1, 0);
            return metadata;
        }
    }

    private FinalizeResult alreadyCommitted(IndexMetadata metadata) {
        LOG.log(Level.INFO, index.location() + " is committed as index " + metadata.indexId() + "; nothing to do but clean up staging/");
        return result(Status.ALREADY_COMMITTED, metadata, Planning.NONE, Copies.NONE, cleanup());
    }

    // 2. Plan.

    private record Planned(FinalizePlan plan, List<Long> unplanned) {}

    private Planned plan(IndexRoot root, ExecutorService pool) {
        try (Stage stage = progress.stage("planning", Unit.MANIFESTS, -1, -1)) {
            Verdict verdict = root.verdict(config.expectedPartitions(), base.map(AppendBase::index).orElse(null),
                    base.map(AppendBase::metadata).orElse(null), update.deletes().isPresent());
            if (!root.vanished().isEmpty()) {
                // Listed a moment ago: only a cleanup after a commit removes manifests.
                throw committedMeanwhile(root, root.vanished().getFirst());
            }
            if (!(verdict instanceof Verdict.Committed || verdict instanceof Verdict.FollowPlan)) {
                // Decided from the manifests: a finalizer that committed and cleaned up since our
                // first check leaves none, or only some. Look again before acting on what is
                // (still) staged.
                Optional<IndexMetadata> meanwhile = root.committedNow();
                if (meanwhile.isPresent()) {
                    throw new CommittedMeanwhile(meanwhile.get());
                }
                stage.add(root.manifests().size(), 0);
            }
            Planned planned = switch (verdict) {
                case Verdict.Committed committed -> throw new CommittedMeanwhile(committed.metadata());
                case Verdict.FollowPlan follow -> new Planned(sameUpdate(sameBase(follow.plan())), follow.unplanned());
                case Verdict.MakePlan make -> {
                    make.notes().forEach(note -> {
                        notes.add(note);
                        LOG.log(Level.WARNING, note);
                    });
                    FinalizePlan winner = freeze(root, checkIds(root, make.plan(), pool));
                    if (config.expectedPartitions().isPresent() && config.expectedPartitions().get() != winner.stagedPartitions().size()) {
                        throw new ConflictException("the frozen plan " + index.location() + IndexLayout.PLAN + " commits "
                                + winner.stagedPartitions().size() + " staged partitions, but " + config.expectedPartitions().get() + " are expected");
                    }
                    List<Long> staged = root.manifests().stream().map(manifest -> manifest.partition()).toList();
                    yield new Planned(winner, unplanned(winner, staged));
                }
                case Verdict.Missing missing -> throw missing.reason();
                case Verdict.Conflict conflict -> throw conflict.reason();
            };
            config.expectedWriteId().ifPresent(write -> checkWrite(root, planned.plan(), write));
            if (!planned.unplanned().isEmpty()) {
                String note = "partitions " + planned.unplanned() + " were staged after the plan was frozen: they are not"
                        + " part of this commit and are removed with staging/ (rebuild them into a new index root)";
                notes.add(note);
                LOG.log(Level.WARNING, note);
            }
            clock.stage("planning", stage.elapsedSeconds());
            return planned;
        }
    }

    /** A frozen plan is carried out with the base it was made with, or without one if it has none. */
    private FinalizePlan sameBase(FinalizePlan plan) {
        String given = base.map(b -> b.index().indexId()).orElse(null);
        String planned = plan.base() == null ? null : plan.base().indexId();
        if (!java.util.Objects.equals(given, planned)) {
            throw new ConflictException("the frozen plan " + index.location() + IndexLayout.PLAN + (plan.base() == null
                    ? " commits a whole index, but this finalize appends to " + base.get().index().describe() + ": leave --base out"
                    : " appends to " + plan.base().describe() + (base.isEmpty() ? ": finalize with --base "
                    + (plan.base().generation() != null ? plan.base().generation() : "ROOT (the base's index root)")
                    : ", not to " + base.get().index().describe())));
        }
        return plan;
    }

    /** A frozen plan is carried out with the update it was made with: the same upsert flag, the same ids to delete. */
    private FinalizePlan sameUpdate(FinalizePlan plan) {
        FinalizePlan.Update planned = plan.update();
        String deletes = update.deletes().map(BaseUpdate.DeleteIds::fingerprint).orElse(null);
        boolean same = planned == null ? !update.any() : planned.upsert() == update.upsert() && java.util.Objects.equals(planned.deletes(), deletes);
        if (!same) {
            throw new ConflictException("the frozen plan " + index.location() + IndexLayout.PLAN + " was made "
                    + (planned == null ? "without --upsert or --delete" : (planned.upsert() ? "with" : "without") + " --upsert and "
                    + (planned.deletes() == null ? "without --delete" : "with a delete list of other ids (" + planned.deletes() + ")"))
                    + ": finalize with the flags and delete list the update was started with");
        }
        return plan;
    }

    /**
     * Ids must be unique in a generation ({@link IdCheck}): no id of a staged partition may be in
     * another staged partition or, for an append, in the base. Duplicates fail the run (exit 3,
     * {@link DuplicateIdsException}) before the plan is frozen, unless allowed (the flag, or
     * partitions that all keep the duplicates of the index they were compacted from), and then the
     * plan records how many there are. One staged partition and no base: nothing to compare.
     */
    private FinalizePlan checkIds(IndexRoot root, FinalizePlan plan, ExecutorService pool) {
        List<PartitionManifest> staged = root.manifests().stream()
                .filter(manifest -> plan.stagedPartitions().stream().anyMatch(p -> p.partition() == manifest.partition()
                        && p.attempt().equals(manifest.attempt())))
                .toList();
        if (base.isEmpty() && staged.size() < 2) {
            return plan;
        }
        Optional<String> compacted = keptDuplicates(staged);
        boolean allowed = config.allowDuplicateIds() || compacted.isPresent();
        if (update.any()) {
            return updateBase(root, plan, staged, pool);
        }
        try (Stage stage = progress.stage("checking ids", Unit.FILES, plan.partitions().size(), -1)) {
            List<IdCheck.Source> sources;
            try {
                sources = IdCheck.sources(base, index, staged);
            } catch (ConflictException e) {
                if (!allowed) {
                    throw e;
                }
                note("ids not checked: " + e.getMessage());
                return plan;
            }
            IdCheck.Found found;
            try {
                found = IdCheck.run(sources, DUPLICATE_EXAMPLES, pool);
            } catch (ObjectNotFoundException e) {
                if (base.isPresent() && baseDeleted().isPresent()) {
                    throw baseDeleted().get();
                }
                // A staged list gone: another finalizer committed and cleaned up (or staging is tampered with).
                throw committedMeanwhile(root, e.key());
            }
            stage.add(sources.size(), found.bytes());
            clock.stage("checking ids", stage.elapsedSeconds());
            idCheck = new FinalizeResult.IdCheck(sources.size(), found.listed(), found.ids(), found.requests(), found.bytes(),
                    stage.elapsedSeconds());
            if (!found.any()) {
                return plan;
            }
            if (!allowed) {
                throw DuplicateIdsException.of(found.describe(base.isPresent()), found.ids(), base.isPresent());
            }
            note(found.ids() + (base.isPresent() ? " ids of the new input are also in the base or in another new partition"
                    : " ids occur in more than one partition") + ": every copy is indexed (" + compacted
                    .map(index -> "as in index " + index + ", which this compaction keeps unchanged").orElse("--allow-duplicate-ids") + ")");
            return plan.withCrossDuplicateIds(found.ids());
        }
    }

    /**
     * An update ({@link BaseUpdate}): one merge of the base's id lists, the staged ones and the
     * delete list finds what each base partition loses (an upserted id, a deleted one), the
     * duplicates left to refuse, and the ids to delete that the base does not hold (reported, or
     * refused with {@code --strict-deletes}); then each base partition that loses documents gets a
     * staged deletion ({@link BaseDeletions}), and the plan replaces that partition's commit point
     * with it. All of it before the plan is frozen: a crash anywhere here leaves nothing a rerun
     * cannot reuse or ignore.
     */
    private FinalizePlan updateBase(IndexRoot root, FinalizePlan plan, List<PartitionManifest> staged, ExecutorService pool) {
        AppendBase from = base.orElseThrow();
        Path work = workDirectory();
        try {
            IdCheck.Update found;
            int lists;
            try (Stage stage = progress.stage("checking ids", Unit.FILES, plan.partitions().size() + (update.deletes().isPresent() ? 1 : 0), -1)) {
                List<IdCheck.Source> sources = new ArrayList<>(IdCheck.sources(base, index, staged));
                update.deletes().ifPresent(deletes -> sources.add(new IdCheck.Source("the delete list " + deletes.source(),
                        ObjectStores.local(deletes.directory()), deletes.file().name(), deletes.file(), IdCheck.Kind.DELETES, null,
                        List.of(deletes.source()))));
                lists = sources.size();
                try {
                    found = IdCheck.update(sources, DUPLICATE_EXAMPLES, pool, update.upsert(), work.resolve("ids"));
                } catch (ObjectNotFoundException e) {
                    if (baseDeleted().isPresent()) {
                        throw baseDeleted().get();
                    }
                    throw committedMeanwhile(root, e.key());
                }
                stage.add(lists, 0);
                clock.stage("checking ids", stage.elapsedSeconds());
                idCheck = new FinalizeResult.IdCheck(lists, found.duplicates().listed(), found.duplicates().ids(), found.duplicates().requests(),
                        found.duplicates().bytes(),
                        stage.elapsedSeconds());
            }
            if (found.duplicates().any() && !config.allowDuplicateIds()) {
                throw DuplicateIdsException.of(found.duplicates().describe(true), found.duplicates().ids(), true);
            }
            if (found.unknown() > 0) {
                String unknown = found.unknown() + " id(s) of the delete list " + update.deletes().orElseThrow().source()
                        + " are not in the base " + from.index().describe() + " (" + (found.unknown() > found.unknownExamples().size()
                        ? "the first " + found.unknownExamples().size() + ": " : "") + String.join(", ", found.unknownExamples()) + ")";
                if (update.strictDeletes()) {
                    throw new BadInputException(unknown + "; nothing was staged (--strict-deletes)");
                }
                note(unknown + ": nothing to delete for them");
            }
            FinalizePlan withDuplicates = found.duplicates().any() ? plan.withCrossDuplicateIds(found.duplicates().ids()) : plan;
            if (found.duplicates().any()) {
                note(found.duplicates().ids() + " ids of the new input are also in another new partition"
                        + (update.upsert() ? "" : " or in the base") + ": every copy is indexed (--allow-duplicate-ids)");
            }
            Map<Integer, DeletionManifest> deletions;
            // Counts base partitions given their new commit, and the bytes of the base read for it.
            try (Stage stage = progress.stage("deleting", Unit.PARTITIONS, found.deletions().size(), 0)) {
                deletions = BaseDeletions.stage(index, from, found.deletions(), work.resolve("partitions"), pool, stage);
                clock.stage("deleting", stage.elapsedSeconds());
            }
            long deletedDocs = deletions.values().stream().mapToLong(DeletionManifest::deleted).sum();
            updated = new FinalizeResult.Update(found.replaced(), found.deletedByList(), deletedDocs, deletions.size(), found.unknown(),
                    found.unknownExamples());
            return withDuplicates.withUpdate(deletions, new FinalizePlan.Update(update.upsert(),
                    update.deletes().map(BaseUpdate.DeleteIds::fingerprint).orElse(null), deletedDocs, found.unknown()));
        } finally {
            BaseDeletions.deleteRecursively(work);
        }
    }

    private static Path workDirectory() {
        try {
            return Files.createTempDirectory("ftindex-update-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory for the update: " + e.getMessage(), e);
        }
    }

    /** The index whose duplicate ids every staged partition keeps (a compaction of it), if they all say the same one. */
    private static Optional<String> keptDuplicates(List<PartitionManifest> staged) {
        List<String> kept = staged.stream().map(PartitionManifest::keepsDuplicateIdsOf).distinct().toList();
        return kept.size() == 1 && kept.getFirst() != null ? Optional.of(kept.getFirst()) : Optional.empty();
    }

    private void note(String note) {
        notes.add(note);
        LOG.log(Level.WARNING, note);
    }

    /** Every partition of the plan must be of {@code write}: its manifest says so. */
    private static void checkWrite(IndexRoot root, FinalizePlan plan, String write) {
        Map<Long, PartitionManifest> manifests = new HashMap<>();
        root.manifests().forEach(manifest -> manifests.put(manifest.partition(), manifest));
        for (PlannedPartition partition : plan.stagedPartitions()) {
            PartitionManifest manifest = manifests.get(partition.partition());
            String staged = manifest == null || !manifest.attempt().equals(partition.attempt()) ? "an unknown write"
                    : manifest.writeId() == null ? "no write (ftindex build-partition)" : "write " + manifest.writeId();
            if (manifest == null || !manifest.attempt().equals(partition.attempt()) || !write.equals(manifest.writeId())) {
                throw new ConflictException("partition " + partition.partition() + " of " + root.store().location()
                        + " is of " + staged + ", not of write " + write + ": this finalize commits only its own write's partitions");
            }
        }
    }

    private static List<Long> unplanned(FinalizePlan plan, List<Long> staged) {
        List<Long> planned = plan.stagedPartitions().stream().map(PlannedPartition::partition).toList();
        return staged.stream().filter(partition -> !planned.contains(partition)).sorted().toList();
    }

    /** Creates the plan create-only; whoever wins, everybody follows the plan that is stored. */
    private FinalizePlan freeze(IndexRoot root, FinalizePlan plan) {
        StoredJson.Created<FinalizePlan> created = StoredJson.createOnly(index, IndexLayout.PLAN, plan, Json.writeChecksummed(plan), false);
        // Found, then gone before it could be read: the winner committed and cleaned up since.
        FinalizePlan winner = created.stored().orElseThrow(() -> committedMeanwhile(root, IndexLayout.PLAN));
        if (created.outcome() == StoredJson.Outcome.EXISTED && !winner.indexId().equals(plan.indexId())) {
            LOG.log(Level.INFO, "another finalizer froze plan " + winner.indexId() + " first; following it");
        }
        return winner;
    }

    // 3. Copy.

    private record Copied(Copies copies, List<FileTask> toVerify, List<String> vanished) {}

    private record FileTask(PlannedPartition partition, FileEntry file) {
        String source() {
            return partition.sourceKey(file);
        }

        String target() {
            return partition.finalKey(file);
        }
    }

    private Copied copy(FinalizePlan plan, ExecutorService pool) {
        Map<String, ObjectInfo> present = new HashMap<>();
        index.list("part_").forEach(object -> present.put(object.key(), object));
        AtomicInteger copied = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        AtomicLong bytesCopied = new AtomicLong();
        ConcurrentLinkedQueue<FileTask> toVerify = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> vanished = new ConcurrentLinkedQueue<>();
        try (Stage stage = progress.stage("copying", Unit.FILES, plan.fileCount(), plan.bytes())) {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (PlannedPartition partition : plan.partitions()) {
                for (FileEntry file : partition.files()) {
                    FileTask task = new FileTask(partition, file);
                    tasks.add(() -> {
                        ObjectInfo existing = present.get(task.target());
                        if (existing != null && existing.size() == file.size() && matchesPlan(task).isEmpty()) {
                            skipped.incrementAndGet();
                        } else {
                            try {
                                if (partition.fromBaseFiles(file)) {
                                    ObjectStores.copy(base.orElseThrow().root(), task.source(), index, task.target());
                                } else {
                                    index.copy(task.source(), task.target(), Optional.empty());
                                }
                            } catch (ObjectNotFoundException e) {
                                vanished.add(task.source());
                                return null;
                            }
                            copied.incrementAndGet();
                            bytesCopied.addAndGet(file.size());
                            toVerify.add(task);
                        }
                        stage.add(1, file.size());
                        return null;
                    });
                }
            }
            Tasks.runAll(pool, tasks);
            clock.stage("copying", stage.elapsedSeconds());
        }
        return new Copied(new Copies(copied.get(), skipped.get(), bytesCopied.get()), List.copyOf(toVerify), List.copyOf(vanished));
    }

    /** A base file gone while this append copied it: gc deleted the base (exit 4), or it is damaged. */
    private void baseGone(List<String> vanished) {
        if (base.isEmpty() || vanished.stream().allMatch(key -> key.startsWith(IndexLayout.STAGING))) {
            return;
        }
        AppendBase from = base.get();
        baseDeleted().ifPresent(e -> {
            throw e;
        });
        throw new CorruptIndexException("files of the base " + from.index().describe() + " are missing though it is committed",
                vanished.stream().filter(key -> !key.startsWith(IndexLayout.STAGING)).map(key -> from.root().location() + key + ": missing").toList());
    }

    /** The base, if it is no longer committed as the index this append read: gc deleted it. */
    private Optional<NotCommittedException> baseDeleted() {
        AppendBase from = base.orElseThrow();
        boolean committed = new IndexRoot(from.root()).committedNow().filter(m -> m.indexId().equals(from.index().indexId())).isPresent();
        return committed ? Optional.empty() : Optional.of(NotCommittedException.baseDeleted(from.root().location(), from.index().describe()));
    }

    /**
     * A staged file vanished while we copied. The likely reason: another finalizer committed this
     * plan and cleaned up staging. Anything else means the plan can no longer be carried out.
     */
    private FinalizeResult afterVanishedSources(IndexRoot root, FinalizePlan plan, List<String> vanished) {
        Optional<IndexMetadata> committed = root.committedNow();
        if (committed.isPresent()) {
            if (committed.get().indexId().equals(plan.indexId())) {
                notes.add("staged files vanished while copying: another finalizer committed this plan and cleaned up");
                return result(Status.ALREADY_COMMITTED, committed.get(), new Planning(plan.partitionCount(), List.of()), Copies.NONE,
                        new Cleanup(0, List.of()));
            }
            throw new ConflictException(index.location() + " was committed as index " + committed.get().indexId()
                    + ", not as this run's plan " + plan.indexId());
        }
        throw new CorruptIndexException("staged files listed in the plan " + index.location() + IndexLayout.PLAN
                + " are missing and the index is not committed", vanished.stream().sorted().map(key -> index.location() + key + ": missing").toList());
    }

    // 4. Verify.

    private void verify(FinalizePlan plan, List<FileTask> files, ExecutorService pool) {
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        try (Stage stage = progress.stage("verifying", Unit.FILES, files.size(), -1)) {
            List<Callable<Void>> checks = new ArrayList<>();
            for (FileTask task : files) {
                checks.add(() -> {
                    matchesPlan(task).ifPresent(problems::add);
                    stage.add(1, 0);
                    return null;
                });
            }
            Tasks.runAll(pool, checks);
            clock.stage("verifying", stage.elapsedSeconds());
        }
        if (!problems.isEmpty()) {
            List<String> sorted = new ArrayList<>(problems);
            Collections.sort(sorted);
            throw new CorruptIndexException(sorted.size() + " final file(s) of plan " + plan.indexId() + " do not match it;"
                    + " nothing was committed", sorted);
        }
    }

    /** A final file's size and footer against the plan, with one ranged read; empty when it matches. */
    private Optional<String> matchesPlan(FileTask task) {
        return LuceneFiles.checkFooter(index, task.target(), task.file(), "the plan")
                .map(problem -> problem + " (copied from " + task.source()
                        + (problem.contains("checksum") ? ": was the staged file changed after its manifest was written?)" : ")"));
    }

    // 5. Commit.

    private Status commit(FinalizePlan plan) {
        IndexMetadata metadata = IndexMetadata.fromPlan(plan);
        byte[] bytes = Json.writeChecksummed(metadata);
        try (Stage stage = progress.stage("committing", Unit.OBJECTS, 1, bytes.length)) {
            StoredJson.Created<IndexMetadata> created = StoredJson.createOnly(index, IndexLayout.METADATA, metadata, bytes, false);
            return switch (created.outcome()) {
                case CREATED -> {
                    stage.add(1, bytes.length);
                    clock.stage("committing", stage.elapsedSeconds());
                    LOG.log(Level.INFO, "committed index " + plan.indexId() + " at " + index.location());
                    yield Status.COMMITTED;
                }
                // metadata.lance is never deleted: gone after it was found is a store gone wrong.
                case EXISTED -> sameCommit(plan, created.stored().orElseThrow(
                        () -> new ObjectNotFoundException(index.location(), IndexLayout.METADATA, null)), Status.ALREADY_COMMITTED);
                // The write may have landed, or a concurrent finalizer's: the index id tells whether it is this plan.
                case READ_BACK -> sameCommit(plan, created.stored().orElseThrow(), Status.COMMITTED);
            };
        }
    }

    private Status sameCommit(FinalizePlan plan, IndexMetadata stored, Status status) {
        if (!stored.indexId().equals(plan.indexId())) {
            throw new ConflictException(index.location() + " is committed as index " + stored.indexId()
                    + ", not as this run's plan " + plan.indexId() + ": the root was committed from another staging");
        }
        return status;
    }

    // 6. Cleanup.

    /** Removes {@code staging/}, the plan last (a concurrent finalizer reading it must not see a half-removed staging). */
    private Cleanup cleanup() {
        List<String> failures = new ArrayList<>();
        int deleted = 0;
        try (Stage stage = progress.stage("cleaning", Unit.OBJECTS, -1, -1)) {
            List<String> keys = index.list(IndexLayout.STAGING).stream().map(ObjectInfo::key).toList();
            stage.totals(keys.size(), -1);
            List<String> beforePlan = keys.stream().filter(key -> !key.equals(IndexLayout.PLAN)).toList();
            boolean planPresent = beforePlan.size() < keys.size();
            if (!beforePlan.isEmpty()) {
                try {
                    index.deleteAll(beforePlan);
                    deleted += beforePlan.size();
                } catch (StorageException e) {
                    deleted += beforePlan.size() - e.getSuppressed().length;
                    throw e;
                }
            }
            if (planPresent) {
                index.delete(IndexLayout.PLAN);
                deleted++;
            }
            stage.add(deleted, 0);
            clock.stage("cleaning", stage.elapsedSeconds());
        } catch (RuntimeException e) {
            failures.add(e.getMessage());
            LOG.log(Level.WARNING, "could not clean up " + index.location() + IndexLayout.STAGING
                    + " (the index is committed; a later finalize run retries the cleanup): " + e.getMessage());
        }
        return new Cleanup(deleted, failures);
    }

    private FinalizeResult result(Status status, IndexMetadata metadata, Planning planning, Copies copies, Cleanup cleanup) {
        return new FinalizeResult(status, Contents.of(metadata), planning, copies, cleanup, clock.finish(), notes, idCheck, updated);
    }
}
