package dev.ftindex.finalize;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.FinalizePlan;
import dev.ftindex.format.FinalizePlan.PlannedPartition;
import dev.ftindex.format.FormatException;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.progress.Progress;
import dev.ftindex.progress.Stage;
import dev.ftindex.storage.ByteRange;
import dev.ftindex.storage.ObjectInfo;
import dev.ftindex.storage.ObjectNotFoundException;
import dev.ftindex.storage.ObjectStore;
import dev.ftindex.storage.ObjectStream;
import dev.ftindex.storage.RequestMetrics;
import dev.ftindex.storage.StorageException;
import dev.ftindex.storage.Tasks;
import dev.ftindex.storage.TransientStorageException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Commits the staged partitions of an index root. Orchestrators may run it again after any
 * failure, and several copies may run at once: every run converges on the same committed index.
 *
 * <ol>
 *   <li>Committed check: a valid {@code metadata.lance} makes the run a no-op apart from a
 *       best-effort cleanup of {@code staging/}; an unreadable one is an error and is never
 *       overwritten.
 *   <li>Plan: follow {@code staging/_plan.json}, or make it from the manifests (checking the
 *       partition count and that all partitions share one spec) and create it create-only; on a
 *       lost race, follow the winner's.
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
 * <p>Failures say what to do next: {@link PartitionsMissingException} (wait, rerun),
 * {@link ConflictException} (a person must look), {@link CorruptIndexException} and
 * {@link dev.ftindex.storage.CorruptObjectException} (never clean up: inspect),
 * {@link TransientStorageException} (rerun: every step is idempotent).
 */
public final class Finalizer {
    private static final System.Logger LOG = System.getLogger(Finalizer.class.getName());
    private static final int COMMIT_ATTEMPTS = 5;

    private final ObjectStore index;
    private final FinalizerConfig config;
    private final Progress progress;
    private final Map<String, Double> stageSeconds = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    public Finalizer(ObjectStore index, FinalizerConfig config, Progress progress) {
        this.index = requireNonNull(index, "index is null");
        this.config = requireNonNull(config, "config is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public FinalizeResult run() {
        long start = System.nanoTime();
        RequestMetrics.Snapshot before = index.metrics().snapshot();
        ExecutorService pool = Tasks.pool(config.concurrency(), "finalize");
        try {
            Optional<IndexMetadata> committed = committed();
            if (committed.isPresent()) {
                return alreadyCommitted(committed.get(), start, before);
            }
            Planned planned;
            try {
                planned = plan(pool);
            } catch (CommittedMeanwhile meanwhile) {
                return alreadyCommitted(meanwhile.metadata, start, before);
            }
            FinalizePlan plan = planned.plan();
            Copied copied = copy(plan, pool);
            if (!copied.vanished().isEmpty()) {
                return afterVanishedSources(plan, copied.vanished(), start, before);
            }
            verify(plan, copied.toVerify(), pool);
            String status = commit(plan);
            FinalizeResult.Cleanup cleanup = cleanup();
            return result(status, IndexMetadata.fromPlan(plan), plan.partitionCount(), planned.unplanned(), copied, cleanup, start, before);
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

    /** The commit marker, if there is one; unreadable is an error, never absent. */
    private Optional<IndexMetadata> storedMetadata() {
        return StoredJson.readIfExists(index, IndexLayout.METADATA, IndexMetadata.class);
    }

    /** Something staged vanished under us: committed meanwhile, or staging is being tampered with. */
    private CommittedMeanwhile committedMeanwhile(String vanished) {
        Optional<IndexMetadata> committed = storedMetadata();
        if (committed.isPresent()) {
            return new CommittedMeanwhile(committed.get());
        }
        throw new ConflictException(index.location() + vanished + " vanished while this finalizer read it, and the index"
                + " is not committed: is something other than a finalizer deleting staging/?");
    }

    // 1. Committed check.

    private Optional<IndexMetadata> committed() {
        try (Stage stage = progress.stage("checking", "objects", 1, -1)) {
            Optional<IndexMetadata> metadata = storedMetadata();
            stage.add(1, 0);
            return metadata;
        }
    }

    private FinalizeResult alreadyCommitted(IndexMetadata metadata, long start, RequestMetrics.Snapshot before) {
        LOG.log(Level.INFO, index.location() + " is committed as index " + metadata.indexId() + "; nothing to do but clean up staging/");
        FinalizeResult.Cleanup cleanup = cleanup();
        return result(FinalizeResult.ALREADY_COMMITTED, metadata, null, List.of(), Copied.NONE, cleanup, start, before);
    }

    // 2. Plan.

    private record Planned(FinalizePlan plan, List<Long> unplanned) {}

    private Planned plan(ExecutorService pool) {
        try (Stage stage = progress.stage("planning", "manifests", -1, -1)) {
            Optional<FinalizePlan> frozen = StoredJson.readIfExists(index, IndexLayout.PLAN, FinalizePlan.class);
            Planned planned;
            if (frozen.isPresent()) {
                checkAgainstFlag(frozen.get());
                planned = new Planned(frozen.get(), unplanned(frozen.get(), manifestPartitions()));
            } else {
                List<PartitionManifest> manifests = readManifests(pool, stage);
                // A finalizer that committed and cleaned up since our first check leaves no plan:
                // look again before making a new one from whatever is (still) staged.
                Optional<IndexMetadata> meanwhile = storedMetadata();
                if (meanwhile.isPresent()) {
                    throw new CommittedMeanwhile(meanwhile.get());
                }
                FinalizePlan ours = makePlan(manifests);
                FinalizePlan winner = freeze(ours);
                checkAgainstFlag(winner);
                Set<Long> staged = manifests.stream().map(PartitionManifest::partition).collect(Collectors.toSet());
                planned = new Planned(winner, unplanned(winner, staged));
            }
            if (!planned.unplanned().isEmpty()) {
                String note = "partitions " + planned.unplanned() + " were staged after the plan was frozen: they are not"
                        + " part of this commit and are removed with staging/ (rebuild them into a new index root)";
                notes.add(note);
                LOG.log(Level.WARNING, note);
            }
            stageSeconds.put("planning", stage.elapsedSeconds());
            return planned;
        }
    }

    private Set<Long> manifestPartitions() {
        Set<Long> partitions = new TreeSet<>();
        for (ObjectInfo object : index.listShallow(IndexLayout.MANIFEST_PREFIX)) {
            IndexLayout.manifestPartition(object.key()).ifPresent(partitions::add);
        }
        return partitions;
    }

    private static List<Long> unplanned(FinalizePlan plan, Set<Long> staged) {
        Set<Long> planned = plan.partitions().stream().map(PlannedPartition::partition).collect(Collectors.toSet());
        return staged.stream().filter(partition -> !planned.contains(partition)).sorted().toList();
    }

    private List<PartitionManifest> readManifests(ExecutorService pool, Stage stage) {
        List<String> keys = index.listShallow(IndexLayout.MANIFEST_PREFIX).stream()
                .map(ObjectInfo::key)
                .filter(key -> IndexLayout.manifestPartition(key).isPresent())
                .toList();
        stage.totals(keys.size(), -1);
        List<Callable<PartitionManifest>> reads = new ArrayList<>();
        for (String key : keys) {
            reads.add(() -> {
                PartitionManifest manifest;
                try {
                    manifest = StoredJson.read(index, key, PartitionManifest.class);
                } catch (ObjectNotFoundException e) {
                    // Listed a moment ago: only a cleanup after a commit removes manifests.
                    throw committedMeanwhile(key);
                }
                stage.add(1, 0);
                return manifest;
            });
        }
        return Tasks.runAll(pool, reads);
    }

    private FinalizePlan makePlan(List<PartitionManifest> manifests) {
        Map<Integer, List<Long>> stated = new TreeMap<>();
        for (PartitionManifest manifest : manifests) {
            if (manifest.expectedPartitions() != null) {
                stated.computeIfAbsent(manifest.expectedPartitions(), count -> new ArrayList<>()).add(manifest.partition());
            }
        }
        Integer expected;
        String source;
        if (config.expectedPartitions().isPresent()) {
            expected = config.expectedPartitions().get();
            source = "flag";
        } else if (stated.size() > 1) {
            throw new ConflictException("the staged partitions disagree on the partition count: " + describeGroups(stated, "say")
                    + "; pass --expected-partitions to decide, or rebuild the odd ones");
        } else if (stated.size() == 1) {
            expected = stated.keySet().iterator().next();
            source = "manifests";
        } else {
            expected = null;
            source = "staged";
        }
        List<Long> partitions = manifests.stream().map(PartitionManifest::partition).sorted().toList();
        if (expected != null) {
            if (partitions.size() < expected) {
                Set<Long> present = new TreeSet<>(partitions);
                List<Long> missing = new ArrayList<>();
                if (present.stream().allMatch(p -> p < expected)) {
                    for (long p = 0; p < expected; p++) {
                        if (!present.contains(p)) {
                            missing.add(p);
                        }
                    }
                }
                throw new PartitionsMissingException(expected, partitions.size(), missing);
            }
            if (partitions.size() > expected) {
                throw new ConflictException(partitions.size() + " partitions are staged but " + expected + " are expected"
                        + " (staged: " + partitions + "): check --expected-partitions and the workers' --partitions");
            }
        } else if (partitions.isEmpty()) {
            throw new PartitionsMissingException(index.location());
        }
        if (expected == null) {
            String note = "no partition count was given or stated by the workers: committing the " + partitions.size()
                    + " partitions that are staged";
            notes.add(note);
            LOG.log(Level.WARNING, note);
        }
        checkSameSpec(manifests);
        checkSameInput(manifests);
        checkSameLucene(manifests);
        return FinalizePlan.create(manifests, expected, source);
    }

    private static void checkSameSpec(List<PartitionManifest> manifests) {
        Map<String, List<Long>> bySpec = new TreeMap<>();
        manifests.forEach(m -> bySpec.computeIfAbsent(m.specFingerprint(), f -> new ArrayList<>()).add(m.partition()));
        if (bySpec.size() > 1) {
            throw new ConflictException("the staged partitions were built with different index specs: "
                    + describeGroups(bySpec, "for") + "; rebuild them with one spec into a new index root");
        }
    }

    /** Workers that shared out one input must have seen the same files, or records could be lost or doubled. */
    private static void checkSameInput(List<PartitionManifest> manifests) {
        Map<String, List<Long>> byInput = new TreeMap<>();
        manifests.stream()
                .filter(m -> m.expectedPartitions() != null)
                .forEach(m -> byInput.computeIfAbsent(m.input().fingerprint(), f -> new ArrayList<>()).add(m.partition()));
        if (byInput.size() > 1) {
            throw new ConflictException("the workers saw different inputs (files or sizes changed between them, or they were"
                    + " given different --input lists): " + describeGroups(byInput, "for")
                    + "; some records could be missing or doubled: rebuild into a new index root");
        }
    }

    private static void checkSameLucene(List<PartitionManifest> manifests) {
        Map<String, List<Long>> byMajor = new TreeMap<>();
        manifests.forEach(m -> byMajor.computeIfAbsent(m.luceneVersion().split("\\.")[0], v -> new ArrayList<>()).add(m.partition()));
        if (byMajor.size() > 1) {
            throw new ConflictException("the staged partitions were written by different Lucene major versions: "
                    + describeGroups(byMajor, "for"));
        }
    }

    private static <K> String describeGroups(Map<K, List<Long>> groups, String verb) {
        return groups.entrySet().stream()
                .map(entry -> verb.equals("say")
                        ? "partitions " + entry.getValue() + " say " + entry.getKey()
                        : entry.getKey() + " for partitions " + entry.getValue())
                .collect(Collectors.joining("; "));
    }

    private void checkAgainstFlag(FinalizePlan plan) {
        Optional<Integer> flag = config.expectedPartitions();
        if (flag.isPresent() && flag.get() != plan.partitions().size()) {
            throw new ConflictException("the frozen plan " + index.location() + IndexLayout.PLAN + " commits "
                    + plan.partitions().size() + " partitions, but " + flag.get() + " are expected");
        }
    }

    /** Creates the plan create-only; whoever wins, everybody follows the plan that is stored. */
    private FinalizePlan freeze(FinalizePlan plan) {
        StoredJson.Created<FinalizePlan> created = StoredJson.createOnly(index, IndexLayout.PLAN, plan, Json.writeChecksummed(plan),
                COMMIT_ATTEMPTS, false);
        // Found, then gone before it could be read: the winner committed and cleaned up since.
        FinalizePlan winner = created.stored().orElseThrow(() -> committedMeanwhile(IndexLayout.PLAN));
        if (created.outcome() == StoredJson.Outcome.EXISTED && !winner.indexId().equals(plan.indexId())) {
            LOG.log(Level.INFO, "another finalizer froze plan " + winner.indexId() + " first; following it");
        }
        return winner;
    }

    // 3. Copy.

    private record Copied(int copied, int skipped, long bytesCopied, List<FileTask> toVerify, List<String> vanished) {
        static final Copied NONE = new Copied(0, 0, 0, List.of(), List.of());
    }

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
        try (Stage stage = progress.stage("copying", "files", plan.fileCount(), plan.bytes())) {
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
                                index.copy(task.source(), task.target(), Optional.empty());
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
            stageSeconds.put("copying", stage.elapsedSeconds());
        }
        return new Copied(copied.get(), skipped.get(), bytesCopied.get(), List.copyOf(toVerify), List.copyOf(vanished));
    }

    /**
     * A staged file vanished while we copied. The likely reason: another finalizer committed this
     * plan and cleaned up staging. Anything else means the plan can no longer be carried out.
     */
    private FinalizeResult afterVanishedSources(FinalizePlan plan, List<String> vanished, long start, RequestMetrics.Snapshot before) {
        Optional<IndexMetadata> committed = storedMetadata();
        if (committed.isPresent()) {
            if (committed.get().indexId().equals(plan.indexId())) {
                notes.add("staged files vanished while copying: another finalizer committed this plan and cleaned up");
                return result(FinalizeResult.ALREADY_COMMITTED, committed.get(), plan.partitionCount(), List.of(), Copied.NONE,
                        new FinalizeResult.Cleanup(0, List.of()), start, before);
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
        try (Stage stage = progress.stage("verifying", "files", files.size(), -1)) {
            List<Callable<Void>> checks = new ArrayList<>();
            for (FileTask task : files) {
                checks.add(() -> {
                    matchesPlan(task).ifPresent(problems::add);
                    stage.add(1, 0);
                    return null;
                });
            }
            Tasks.runAll(pool, checks);
            stageSeconds.put("verifying", stage.elapsedSeconds());
        }
        if (!problems.isEmpty()) {
            List<String> sorted = new ArrayList<>(problems);
            Collections.sort(sorted);
            throw new CorruptIndexException(sorted.size() + " final file(s) of plan " + plan.indexId() + " do not match it;"
                    + " nothing was committed", sorted);
        }
    }

    /** Reads the footer (and, in the same response, the size) of a final file; empty when it matches. */
    private Optional<String> matchesPlan(FileTask task) {
        String key = task.target();
        FileEntry expected = task.file();
        byte[] footer;
        long size;
        try (ObjectStream stream = index.get(key, ByteRange.suffix(LuceneFiles.FOOTER_LENGTH))) {
            footer = stream.readAllRemaining();
            size = stream.object().size();
        } catch (ObjectNotFoundException e) {
            return Optional.of(index.location() + key + ": missing");
        } catch (IOException e) {
            throw new TransientStorageException(index.location(), key, "read failed", e);
        }
        if (size != expected.size()) {
            return Optional.of(index.location() + key + ": size " + size + ", the plan says " + expected.size()
                    + " (copied from " + task.source() + ")");
        }
        try {
            long checksum = LuceneFiles.footerChecksum(footer);
            if (checksum != expected.checksum()) {
                return Optional.of(index.location() + key + ": checksum " + LuceneFiles.hex(checksum) + ", the plan says "
                        + LuceneFiles.hex(expected.checksum()) + " (copied from " + task.source()
                        + ": was the staged file changed after its manifest was written?)");
            }
        } catch (FormatException e) {
            return Optional.of(index.location() + key + ": " + e.getMessage());
        }
        return Optional.empty();
    }

    // 5. Commit.

    private String commit(FinalizePlan plan) {
        IndexMetadata metadata = IndexMetadata.fromPlan(plan);
        byte[] bytes = Json.writeChecksummed(metadata);
        try (Stage stage = progress.stage("committing", "objects", 1, bytes.length)) {
            StoredJson.Created<IndexMetadata> created = StoredJson.createOnly(index, IndexLayout.METADATA, metadata, bytes,
                    COMMIT_ATTEMPTS, false);
            return switch (created.outcome()) {
                case CREATED -> {
                    stage.add(1, bytes.length);
                    stageSeconds.put("committing", stage.elapsedSeconds());
                    LOG.log(Level.INFO, "committed index " + plan.indexId() + " at " + index.location());
                    yield FinalizeResult.COMMITTED;
                }
                // metadata.lance is never deleted: gone after it was found is a store gone wrong.
                case EXISTED -> sameCommit(plan, created.stored().orElseThrow(
                        () -> new ObjectNotFoundException(index.location(), IndexLayout.METADATA, null)), FinalizeResult.ALREADY_COMMITTED);
                // The write may have landed, or a concurrent finalizer's: the index id tells whether it is this plan.
                case READ_BACK -> sameCommit(plan, created.stored().orElseThrow(), FinalizeResult.COMMITTED);
            };
        }
    }

    private String sameCommit(FinalizePlan plan, IndexMetadata stored, String status) {
        if (!stored.indexId().equals(plan.indexId())) {
            throw new ConflictException(index.location() + " is committed as index " + stored.indexId()
                    + ", not as this run's plan " + plan.indexId() + ": the root was committed from another staging");
        }
        return status;
    }

    // 6. Cleanup.

    /** Removes {@code staging/}, the plan last (a concurrent finalizer reading it must not see a half-removed staging). */
    private FinalizeResult.Cleanup cleanup() {
        List<String> failures = new ArrayList<>();
        int deleted = 0;
        try (Stage stage = progress.stage("cleaning", "objects", -1, -1)) {
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
            stageSeconds.put("cleaning", stage.elapsedSeconds());
        } catch (RuntimeException e) {
            failures.add(e.getMessage());
            LOG.log(Level.WARNING, "could not clean up " + index.location() + IndexLayout.STAGING
                    + " (the index is committed; a later finalize run retries the cleanup): " + e.getMessage());
        }
        return new FinalizeResult.Cleanup(deleted, List.copyOf(failures));
    }

    private FinalizeResult result(String status, IndexMetadata metadata, String partitionCount, List<Long> unplanned, Copied copied,
                                  FinalizeResult.Cleanup cleanup, long start, RequestMetrics.Snapshot before) {
        IndexMetadata.Totals totals = metadata.totals();
        return new FinalizeResult(status, metadata.indexId(), totals.partitions(), totals.docs(), totals.files(), totals.bytes(),
                partitionCount, List.copyOf(unplanned), copied.copied(), copied.skipped(), copied.bytesCopied(), cleanup,
                index.metrics().snapshot().minus(before), (System.nanoTime() - start) / 1e9,
                Collections.unmodifiableMap(new LinkedHashMap<>(stageSeconds)), List.copyOf(notes));
    }
}
