package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One view of an index root: its committed metadata, its frozen plan, its staged manifests and
 * its orphan attempts, each read at most once and only when asked for, and the one decision of
 * what {@code finalize} does with it ({@link #verdict}). The worker's committed and staged checks,
 * the finalizer and {@code status} all read the root through this class.
 *
 * <p>Not thread-safe: one per run. Reads are memoized, so a run decides on one snapshot; a caller
 * that must see a change made meanwhile asks for it explicitly ({@link #committedNow}).
 */
public final class IndexRoot {
    private final ObjectStore store;
    private final ExecutorService readers;
    private Optional<IndexMetadata> committed;
    private Optional<FinalizePlan> plan;
    private SortedSet<Long> staged;
    private List<PartitionManifest> manifests;
    private final List<String> vanished = new ArrayList<>();

    /** A view that reads manifests one after another (a worker reads one at most). */
    public IndexRoot(ObjectStore store) {
        this(store, Tasks.sameThread());
    }

    /**
     * @param readers runs the manifest reads in parallel (owned by the caller)
     */
    public IndexRoot(ObjectStore store, ExecutorService readers) {
        this.store = requireNonNull(store, "store is null");
        this.readers = requireNonNull(readers, "readers is null");
    }

    public ObjectStore store() {
        return store;
    }

    /**
     * {@code metadata.lance}, if the root is committed.
     *
     * @throws dev.ftindex.objectstore.CorruptObjectException if it exists but is unreadable:
     *     never to be treated as absent
     */
    public Optional<IndexMetadata> committed() {
        if (committed == null) {
            committed = StoredJson.readIfExists(store, IndexLayout.METADATA, IndexMetadata.class);
        }
        return committed;
    }

    /** {@code metadata.lance} read again: for a run that must know whether another committed meanwhile. */
    public Optional<IndexMetadata> committedNow() {
        committed = null;
        return committed();
    }

    /**
     * A committed root's metadata and the time its {@code metadata.lance} was written.
     *
     * @param committedAt the store's time of {@code metadata.lance}: a generation's age, and
     *     the identity of its commit (a root deleted and committed again has another)
     */
    public record Commit(IndexMetadata metadata, Instant committedAt) {
        public Commit {
            requireNonNull(metadata, "metadata is null");
            requireNonNull(committedAt, "committedAt is null");
        }
    }

    /**
     * The commit as it is now, read again each time: {@code metadata.lance}, then a HEAD for its
     * time. Empty if there is none, also when it vanishes between the two reads (gc deleting it).
     *
     * @throws dev.ftindex.objectstore.CorruptObjectException if it exists but is unreadable
     */
    public Optional<Commit> commit() {
        Optional<IndexMetadata> metadata = committedNow();
        if (metadata.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Commit(metadata.get(), store.head(IndexLayout.METADATA).lastModified()));
        } catch (ObjectNotFoundException e) {
            committed = Optional.empty();
            return Optional.empty();
        }
    }

    /**
     * The commit, which must exist: for readers.
     *
     * @throws NotCommittedException if the root is not committed (exit 4)
     */
    public Commit requireCommit() {
        return commit().orElseThrow(() -> new NotCommittedException(store.location()));
    }

    /**
     * Refuses to change a committed root (exit 5): a worker, a Spark write and a finalizer of
     * another plan all stop here.
     *
     * @param instead what to do instead, for the message
     */
    public void refuseIfCommitted(String instead) {
        if (isCommitted()) {
            throw new ConflictException(store.location() + " is a committed index (" + IndexLayout.METADATA
                    + " exists): a committed index is never changed; " + instead);
        }
    }

    /** Whether {@code metadata.lance} exists, with one HEAD: the cheap form of {@link #commit} (a worker's first check). */
    public boolean isCommitted() {
        if (committed != null) {
            return committed.isPresent();
        }
        try {
            store.head(IndexLayout.METADATA);
            return true;
        } catch (ObjectNotFoundException e) {
            return false;
        }
    }

    /** The frozen plan, if a finalizer froze one. */
    public Optional<FinalizePlan> plan() {
        if (plan == null) {
            plan = StoredJson.readIfExists(store, IndexLayout.PLAN, FinalizePlan.class);
        }
        return plan;
    }

    /** The manifest of one partition, if it is staged (read each time: a worker asks once). */
    public Optional<PartitionManifest> manifest(long partition) {
        return StoredJson.readIfExists(store, IndexLayout.manifestKey(partition), PartitionManifest.class);
    }

    /** The ids of the staged partitions: one shallow listing of the manifests, without the Lucene files beside them. */
    public SortedSet<Long> stagedPartitions() {
        if (staged == null) {
            SortedSet<Long> ids = new TreeSet<>();
            for (ObjectInfo object : store.listShallow(IndexLayout.MANIFEST_PREFIX)) {
                IndexLayout.manifestPartition(object.key()).ifPresent(ids::add);
            }
            staged = Collections.unmodifiableSortedSet(ids);
        }
        return staged;
    }

    /**
     * Every staged manifest, sorted by partition id, read in parallel. A manifest that was listed
     * and is gone before it is read is left out and named in {@link #vanished()}: only a cleanup
     * after a commit removes manifests.
     */
    public List<PartitionManifest> manifests() {
        if (manifests == null) {
            ConcurrentLinkedQueue<String> gone = new ConcurrentLinkedQueue<>();
            List<Callable<Optional<PartitionManifest>>> reads = new ArrayList<>();
            for (long partition : stagedPartitions()) {
                String key = IndexLayout.manifestKey(partition);
                reads.add(() -> {
                    Optional<PartitionManifest> manifest = StoredJson.readIfExists(store, key, PartitionManifest.class);
                    if (manifest.isEmpty()) {
                        gone.add(key);
                    }
                    return manifest;
                });
            }
            manifests = Tasks.runAll(readers, reads).stream().flatMap(Optional::stream).toList();
            vanished.addAll(gone.stream().sorted().toList());
        }
        return manifests;
    }

    /** Manifests that were listed and gone when read. */
    public List<String> vanished() {
        return List.copyOf(vanished);
    }

    /**
     * Staged files that neither a manifest nor the frozen plan refers to, by attempt: failed,
     * losing or zombie attempts. Lists everything under {@code staging/}.
     */
    public List<Orphan> orphans() {
        Set<String> referenced = new HashSet<>();
        manifests().forEach(manifest -> referenced.add(manifest.partition() + "/" + manifest.attempt()));
        plan().ifPresent(frozen -> frozen.partitions().forEach(p -> referenced.add(p.partition() + "/" + p.attempt())));
        Map<String, Orphan> orphans = new TreeMap<>();
        for (ObjectInfo object : store.list(IndexLayout.STAGING)) {
            IndexLayout.stagedFile(object.key()).ifPresent(file -> {
                String attempt = file.partition() + "/" + file.attempt();
                if (!referenced.contains(attempt)) {
                    orphans.merge(attempt, new Orphan(file.partition(), file.attempt(), 1, object.size(), object.lastModified().toString()),
                            Orphan::plus);
                }
            });
        }
        return List.copyOf(orphans.values());
    }

    /** Files of one attempt that nothing refers to. */
    public record Orphan(long partition, String attempt, int files, long bytes, String lastModified) {
        Orphan plus(Orphan other) {
            return new Orphan(partition, attempt, files + other.files, bytes + other.bytes,
                    lastModified.compareTo(other.lastModified) >= 0 ? lastModified : other.lastModified);
        }
    }

    /**
     * What finalize does with this root now, given {@code --expected-partitions}:
     *
     * <ol>
     *   <li>committed: nothing;
     *   <li>a frozen plan: carry it out (a flag that disagrees with its count is a conflict);
     *   <li>else the count ({@link PartitionCount#decide}): fewer staged is missing, more is a
     *       conflict, disputed counts are a conflict, none stated commits what is staged;
     *   <li>the staged partitions must share one spec, one input listing and one Lucene major
     *       version;
     *   <li>then a plan is made from the manifests, sorted by partition id and numbered densely.
     * </ol>
     */
    public Verdict verdict(Optional<Integer> flag) {
        return verdict(flag, null, null);
    }

    /**
     * As {@link #verdict(Optional)} for an append to {@code base} (committed as
     * {@code baseMetadata}; both null for a whole index): the staged partitions must also all name
     * that base, and share its spec and Lucene major version.
     */
    public Verdict verdict(Optional<Integer> flag, BaseIndex base, IndexMetadata baseMetadata) {
        return verdict(flag, base, baseMetadata, false);
    }

    /**
     * As {@link #verdict(Optional, BaseIndex, IndexMetadata)}; with {@code deletesAlone}, an update
     * of the base that deletes documents may have nothing staged and no count: its plan is then the
     * base's partitions alone.
     */
    public Verdict verdict(Optional<Integer> flag, BaseIndex base, IndexMetadata baseMetadata, boolean deletesAlone) {
        Optional<IndexMetadata> metadata = committed();
        if (metadata.isPresent()) {
            return new Verdict.Committed(metadata.get());
        }
        Optional<FinalizePlan> frozen = plan();
        if (frozen.isPresent()) {
            if (flag.isPresent() && flag.get() != frozen.get().stagedPartitions().size()) {
                return new Verdict.Conflict(new ConflictException("the frozen plan " + store.location() + IndexLayout.PLAN
                        + " commits " + frozen.get().stagedPartitions().size() + " staged partitions, but " + flag.get() + " are expected"));
            }
            Set<Long> planned = frozen.get().stagedPartitions().stream().map(FinalizePlan.PlannedPartition::partition).collect(Collectors.toSet());
            List<Long> unplanned = stagedPartitions().stream().filter(partition -> !planned.contains(partition)).toList();
            return new Verdict.FollowPlan(frozen.get(), unplanned);
        }
        List<PartitionManifest> staged = manifests();
        List<Long> partitions = staged.stream().map(PartitionManifest::partition).toList();
        PartitionCount count = PartitionCount.decide(flag, staged);
        List<String> notes = new ArrayList<>();
        switch (count) {
            case PartitionCount.Disputed disputed -> {
                return new Verdict.Conflict(new ConflictException("the staged partitions disagree on the partition count: "
                        + disputed.describe() + "; pass --expected-partitions to decide, or rebuild the odd ones"));
            }
            case PartitionCount.Required required -> {
                int expected = required.value();
                if (partitions.size() < expected) {
                    return new Verdict.Missing(new PartitionsMissingException(expected, partitions.size(), missing(partitions, expected)));
                }
                if (partitions.size() > expected) {
                    return new Verdict.Conflict(new ConflictException(partitions.size() + " partitions are staged but " + expected
                            + " are expected (staged: " + partitions + "): check --expected-partitions and the workers' --partitions"));
                }
            }
            case PartitionCount.AsStaged ignored -> {
                if (partitions.isEmpty() && deletesAlone && base != null) {
                    return new Verdict.MakePlan(FinalizePlan.create(staged, null, count.source(), base, baseMetadata),
                            List.of("no partition is staged: the update deletes documents of the base and adds none"));
                }
                if (partitions.isEmpty()) {
                    return new Verdict.Missing(new PartitionsMissingException(store.location()));
                }
                notes.add("no partition count was given or stated by the workers: committing the " + partitions.size()
                        + " partitions that are staged");
            }
        }
        Optional<ConflictException> mismatch = sameWrite(staged).or(() -> sameSpec(staged)).or(() -> sameInput(staged))
                .or(() -> sameLucene(staged)).or(() -> sameBase(staged, base, baseMetadata));
        if (mismatch.isPresent()) {
            return new Verdict.Conflict(mismatch.get());
        }
        return new Verdict.MakePlan(FinalizePlan.create(staged, count.count().orElse(null), count.source(), base, baseMetadata), notes);
    }

    /** Every staged partition names the base this finalize appends to (or none), and matches it. */
    private Optional<ConflictException> sameBase(List<PartitionManifest> manifests, BaseIndex base, IndexMetadata baseMetadata) {
        Optional<String> groups = groups(manifests, m -> m.base() == null ? "no base" : "base index " + m.base().indexId());
        if (groups.isPresent()) {
            return Optional.of(new ConflictException("the staged partitions are appended to different bases: " + groups.get()
                    + "; rebuild the odd ones with the right --base into a new generation"));
        }
        BaseIndex staged = manifests.getFirst().base();
        if (base == null) {
            return Optional.ofNullable(staged).map(b -> new ConflictException("the staged partitions are appended to " + b.describe()
                    + ": finalize with --base " + (b.generation() != null ? b.generation() : "ROOT (the base's index root)")));
        }
        if (staged == null || !staged.indexId().equals(base.indexId())) {
            return Optional.of(new ConflictException("this finalize appends to " + base.describe() + " but the staged partitions "
                    + (staged == null ? "were built as a whole index (no --base)" : "are appended to " + staged.describe())
                    + ": finalize with their base, or rebuild them with --base into a new generation"));
        }
        if (!baseMetadata.specFingerprint().equals(manifests.getFirst().specFingerprint())) {
            return Optional.of(new ConflictException("the staged partitions were built with index spec "
                    + manifests.getFirst().specFingerprint() + " but " + base.describe() + " with " + baseMetadata.specFingerprint()
                    + ": an append uses the base's spec"));
        }
        String major = baseMetadata.luceneVersion().split("\\.")[0];
        if (!major.equals(manifests.getFirst().luceneVersion().split("\\.")[0])) {
            return Optional.of(new ConflictException("the staged partitions were written by Lucene " + manifests.getFirst().luceneVersion()
                    + " and " + base.describe() + " by Lucene " + baseMetadata.luceneVersion() + ": an append needs one major version"));
        }
        return Optional.empty();
    }

    /** Ids in {@code 0..expected-1} that are not staged; only meaningful for workers numbered that way. */
    private static List<Long> missing(List<Long> partitions, int expected) {
        Set<Long> present = new TreeSet<>(partitions);
        List<Long> missing = new ArrayList<>();
        if (present.stream().allMatch(p -> p < expected)) {
            for (long p = 0; p < expected; p++) {
                if (!present.contains(p)) {
                    missing.add(p);
                }
            }
        }
        return missing;
    }

    /** Partitions of two writes (a Spark write's rerun) are never committed together. */
    private static Optional<ConflictException> sameWrite(List<PartitionManifest> manifests) {
        return groups(manifests, m -> m.writeId() == null ? "no write id (ftindex build-partition)" : "write " + m.writeId())
                .map(groups -> new ConflictException("the staged partitions belong to different writes: " + groups
                        + "; a write's partitions are only committed together (rerun the write with mode overwrite to replace"
                        + " the other's staging)"));
    }

    private static Optional<ConflictException> sameSpec(List<PartitionManifest> manifests) {
        return groups(manifests, PartitionManifest::specFingerprint).map(groups -> new ConflictException(
                "the staged partitions were built with different index specs: " + groups
                        + "; rebuild them with one spec into a new index root"));
    }

    /** Workers that shared out one input must have seen the same files, or records could be lost or doubled. */
    private static Optional<ConflictException> sameInput(List<PartitionManifest> manifests) {
        List<PartitionManifest> sharing = manifests.stream().filter(m -> m.expectedPartitions() != null).toList();
        return groups(sharing, m -> m.input().fingerprint()).map(groups -> new ConflictException(
                "the workers saw different inputs (files or sizes changed between them, or they were given different --input lists): "
                        + groups + "; some records could be missing or doubled: rebuild into a new index root"));
    }

    private static Optional<ConflictException> sameLucene(List<PartitionManifest> manifests) {
        return groups(manifests, m -> m.luceneVersion().split("\\.")[0]).map(groups -> new ConflictException(
                "the staged partitions were written by different Lucene major versions: " + groups));
    }

    /** "k1 for partitions [0, 2]; k2 for partitions [1]" when the manifests fall into more than one group. */
    private static Optional<String> groups(List<PartitionManifest> manifests, Function<PartitionManifest, String> key) {
        Map<String, List<Long>> groups = new TreeMap<>();
        manifests.forEach(m -> groups.computeIfAbsent(key.apply(m), k -> new ArrayList<>()).add(m.partition()));
        if (groups.size() <= 1) {
            return Optional.empty();
        }
        return Optional.of(groups.entrySet().stream()
                .map(entry -> entry.getKey() + " for partitions " + entry.getValue())
                .collect(Collectors.joining("; ")));
    }
}
