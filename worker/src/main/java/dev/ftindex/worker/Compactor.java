package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

import dev.ftindex.builder.DuplicateIds;
import dev.ftindex.builder.PartitionBuild;
import dev.ftindex.builder.PartitionStager;
import dev.ftindex.builder.StageStatus;
import dev.ftindex.builder.WorkDirectoryFullException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FieldStats;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.Json;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.RunStats;
import dev.ftindex.format.progress.Scope;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * One worker of a compaction ({@code ftindex compact-partition}): merges a contiguous group of a
 * committed index's partitions into one partition of a new index root, and stages it by the
 * protocol every worker follows ({@link Worker}'s steps, with "read the share" replaced by
 * "download the group's committed files, each verified against the base's {@code metadata.lance},
 * and add them with {@code IndexWriter.addIndexes}"); {@code finalize} then commits the new root.
 *
 * <p>Why the results stay identical: the new root holds the same documents with the same norms,
 * so every term's and field's statistics summed over the partitions are the base's, and so are
 * BM25's scores; ties are ordered by id, never by partition or document number. Ids need no new
 * check (they were unique in the base); the partition's own check still runs and is reported. A
 * base committed with ids in more than one partition ({@code --allow-duplicate-ids}) keeps them:
 * the manifest says so ({@code keepsDuplicateIdsOf}), and the finalizer commits them as the base
 * did, without a flag, since a compaction changes no document.
 *
 * <p>Groups: base partitions {@code [g*P/N, (g+1)*P/N)} for group {@code g} of {@code N} (P the
 * base's partitions), so every base partition lands in exactly one group and the groups keep
 * the base's order. Every compaction worker of one target records the same input fingerprint
 * (the base's index id and N), so the finalizer refuses partitions of two different compactions.
 */
public final class Compactor {
    private static final System.Logger LOG = System.getLogger(Compactor.class.getName());

    private final ObjectStore index;
    private final ObjectStore base;
    private final CompactionConfig config;
    private final Progress progress;
    private final String attempt;
    private final AtomicBoolean ran = new AtomicBoolean();
    private final List<String> cleanupFailures = new ArrayList<>();
    private RunStats.Clock clock;

    /**
     * @param index the new index root (a generation not yet committed)
     * @param base the committed index root whose partitions are merged
     */
    public Compactor(ObjectStore index, ObjectStore base, CompactionConfig config, Progress progress) {
        this.index = requireNonNull(index, "index is null");
        this.base = requireNonNull(base, "base is null");
        this.config = requireNonNull(config, "config is null");
        this.attempt = Worker.newAttemptId();
        this.progress = requireNonNull(progress, "progress is null").within(Scope.worker(config.partition(), attempt));
    }

    /** The base partitions group {@code group} of {@code groups} merges: {@code [first, end)}. */
    public record Group(int first, int end) {
        public static Group of(int basePartitions, int group, int groups) {
            if (groups < 1 || groups > basePartitions) {
                throw new IllegalArgumentException("cannot compact " + basePartitions + " partitions into " + groups
                        + ": give 1 to " + basePartitions + " partitions");
            }
            if (group < 0 || group >= groups) {
                throw new IllegalArgumentException("partition " + group + " is not one of 0.." + (groups - 1));
            }
            return new Group((int) ((long) group * basePartitions / groups), (int) ((long) (group + 1) * basePartitions / groups));
        }
    }

    /** What every worker of one compaction records as its input: the base and the group count. */
    static String fingerprint(IndexMetadata base, int groups, Optional<Double> expungeDeletesAbove) {
        return "sha256:" + Json.sha256("compact index=" + base.indexId() + " partitions=" + groups
                + expungeDeletesAbove.map(share -> " expunge-deletes-above=" + share).orElse("") + "\n");
    }

    /** The share of a partition's documents that are deleted (0 to 1). */
    static double deletedShare(IndexMetadata.CommittedPartition partition) {
        return partition.docCount() == 0 ? 0 : (double) (partition.docCount() - partition.liveDocs()) / partition.docCount();
    }

    /**
     * Stages base partition {@code kept} as the base has it (its deletions included): its deleted
     * share is not over {@code --expunge-deletes-above}, so it is not worth rewriting. Downloaded,
     * verified, and uploaded again: a compaction's partitions are all staged by its workers.
     */
    private WorkerResult keep(IndexMetadata metadata, IndexMetadata.CommittedPartition kept) {
        long partition = config.partition();
        String fingerprint = fingerprint(metadata, config.partitions(), config.expungeDeletesAbove());
        long bytes = kept.files().stream().mapToLong(FileEntry::size).sum();
        LOG.log(Level.INFO, String.format(java.util.Locale.ROOT, "partition %d: base partition %d kept as it is (%.1f%% deleted, not over"
                + " %.1f%%)", partition, kept.n(), 100 * deletedShare(kept), 100 * config.expungeDeletesAbove().orElseThrow()));
        PartitionStager stager = new PartitionStager(index, partition, attempt, config.uploadConcurrency(), progress, clock);
        Path downloads = workDirectory("ftindex-compact" + partition + "-");
        try {
            Path directory = download(List.of(kept), downloads, kept.files().size(), bytes).getFirst();
            Map<String, FieldStats> fieldStats;
            try (FSDirectory opened = FSDirectory.open(directory); DirectoryReader reader = DirectoryReader.open(opened)) {
                fieldStats = PartitionBuild.fieldStats(reader);
            }
            long duplicates = kept.duplicateIds() == null ? 0 : kept.duplicateIds();
            PartitionBuild.Built built = new PartitionBuild.Built(directory, kept.docCount(), kept.files(), fieldStats,
                    new DuplicateIds.Found(duplicates, duplicates, List.of()));
            PartitionStager.Provenance provenance = new PartitionStager.Provenance(metadata.spec(), config.partitions(),
                    new PartitionManifest.InputDescription("compaction of " + base.location() + " (index " + metadata.indexId()
                            + "), partition " + kept.n() + " kept with its deletions", fingerprint, 1, bytes, 1),
                    0, null, null, metadata.crossDuplicateIds() != null ? metadata.indexId() : null, kept.deletedDocs());
            PartitionStager.Outcome outcome = stager.stage(built, provenance);
            cleanupFailures.addAll(stager.cleanupFailures());
            return result(outcome.status(), outcome.winner(), new WorkerResult.Input(1, 1, bytes, bytes, fingerprint));
        } catch (IOException e) {
            throw WorkDirectoryFullException.orElse(new UncheckedIOException("keeping base partition " + kept.n() + " in " + downloads
                    + " failed: " + e.getMessage(), e), downloads.getParent());
        } finally {
            PartitionBuild.deleteRecursively(downloads);
        }
    }

    public String attempt() {
        return attempt;
    }

    /** Runs once, as attempt {@link #attempt()}. */
    public WorkerResult run() {
        if (!ran.compareAndSet(false, true)) {
            throw new IllegalStateException("a Compactor runs once (attempt " + attempt + ")");
        }
        clock = new RunStats.Clock(index.metrics());
        long partition = config.partition();
        IndexRoot root = new IndexRoot(index);
        root.refuseIfCommitted("compact into a new index root");
        Optional<PartitionManifest> staged = root.manifest(partition);
        if (staged.isPresent()) {
            LOG.log(Level.INFO, "partition " + partition + " is already staged by attempt " + staged.get().attempt() + "; nothing to do");
            PartitionManifest.InputDescription described = staged.get().input();
            return result(StageStatus.ALREADY_STAGED, staged.get(),
                    new WorkerResult.Input(described.files(), described.splits(), described.bytes(), 0, described.fingerprint()));
        }
        IndexMetadata metadata = new IndexRoot(base).requireCommit().metadata();
        if (config.expungeDeletesAbove().isPresent() && config.partitions() != metadata.partitions().size()) {
            throw new IllegalArgumentException("--expunge-deletes-above keeps the base's " + metadata.partitions().size()
                    + " partitions (each merged alone, or kept): leave --partitions out or give " + metadata.partitions().size());
        }
        Group group = Group.of(metadata.partitions().size(), (int) partition, config.partitions());
        List<IndexMetadata.CommittedPartition> merged = metadata.partitions().subList(group.first(), group.end());
        if (config.expungeDeletesAbove().isPresent() && deletedShare(merged.getFirst()) <= config.expungeDeletesAbove().get()) {
            return keep(metadata, merged.getFirst());
        }
        // Deleted documents (an updated base) are merged away: the new partition holds the live ones.
        long docs = merged.stream().mapToLong(IndexMetadata.CommittedPartition::liveDocs).sum();
        long bytes = merged.stream().flatMap(p -> p.files().stream()).mapToLong(FileEntry::size).sum();
        int files = merged.stream().mapToInt(p -> p.files().size()).sum();
        String fingerprint = fingerprint(metadata, config.partitions(), config.expungeDeletesAbove());

        LOG.log(Level.INFO, "partition " + partition + ": merging partitions " + group.first() + ".." + (group.end() - 1) + " of index "
                + metadata.indexId() + " (" + docs + " documents)");

        PartitionStager stager = new PartitionStager(index, partition, attempt, config.uploadConcurrency(), progress, clock);
        Path downloads = workDirectory("ftindex-compact" + partition + "-");
        try (PartitionBuild build = new PartitionBuild(metadata.spec(), 16, config.segments(), config.workDirectory(), partition, progress,
                FSDirectory::open)) {
            PartitionBuild.Built built;
            try {
                List<Path> directories = download(merged, downloads, files, bytes);
                try (Stage adding = progress.stage("adding", Unit.PARTITIONS, merged.size(), bytes)) {
                    List<Directory> opened = new ArrayList<>();
                    try {
                        for (Path directory : directories) {
                            opened.add(FSDirectory.open(directory));
                        }
                        build.addIndexes(opened);
                    } finally {
                        for (Directory directory : opened) {
                            directory.close();
                        }
                    }
                    adding.add(merged.size(), bytes);
                    clock.stage("adding", adding.elapsedSeconds());
                }
                PartitionBuild.deleteRecursively(downloads);
                built = build.finish(docs, clock);
            } catch (IOException e) {
                throw WorkDirectoryFullException.orElse(new UncheckedIOException("compacting partitions " + group.first() + ".."
                        + (group.end() - 1) + " in " + build.workDirectory() + " failed: " + e.getMessage(), e),
                        build.workDirectory().getParent());
            } catch (RuntimeException e) {
                throw WorkDirectoryFullException.orElse(e, build.workDirectory().getParent());
            }
            long holds = documents(built.directory());
            if (holds != docs) {
                throw new CorruptIndexException("the merged partition holds " + holds + " documents, the base's metadata says "
                        + docs + " live ones", List.of(base.location() + "metadata.lance"));
            }
            PartitionStager.Provenance provenance = new PartitionStager.Provenance(metadata.spec(), config.partitions(),
                    new PartitionManifest.InputDescription("compaction of " + base.location() + " (index " + metadata.indexId()
                            + "), partitions " + group.first() + ".." + (group.end() - 1), fingerprint, merged.size(), bytes, merged.size()),
                    0, null, null, metadata.crossDuplicateIds() != null ? metadata.indexId() : null, null);
            PartitionStager.Outcome outcome = stager.stage(built, provenance);
            cleanupFailures.addAll(stager.cleanupFailures());
            return result(outcome.status(), outcome.winner(), new WorkerResult.Input(merged.size(), merged.size(), bytes, bytes, fingerprint));
        } finally {
            PartitionBuild.deleteRecursively(downloads);
        }
    }

    /** Every file of {@code partitions}, each verified in full against the base's metadata, a directory a partition. */
    private List<Path> download(List<IndexMetadata.CommittedPartition> partitions, Path into, int files, long bytes) throws IOException {
        List<Path> directories = new ArrayList<>();
        List<Callable<Void>> downloads = new ArrayList<>();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        try (Stage stage = progress.stage("fetching", Unit.FILES, files, bytes)) {
            for (IndexMetadata.CommittedPartition partition : partitions) {
                Path directory = Files.createDirectories(into.resolve("part_" + partition.n()));
                directories.add(directory);
                for (FileEntry file : partition.files()) {
                    downloads.add(() -> {
                        LuceneFiles.download(base, partition.key(file), file, directory.resolve(file.name()), stage, "the base's metadata")
                                .ifPresent(problems::add);
                        return null;
                    });
                }
            }
            ExecutorService pool = Tasks.pool(config.uploadConcurrency(), "fetch");
            try {
                Tasks.runAll(pool, downloads);
            } finally {
                pool.shutdownNow();
            }
            clock.stage("fetching", stage.elapsedSeconds());
        }
        if (!problems.isEmpty()) {
            List<String> sorted = new ArrayList<>(problems);
            Collections.sort(sorted);
            throw new CorruptIndexException(sorted.size() + " committed file(s) of the base failed verification", sorted);
        }
        return directories;
    }

    /** The partition's documents, every one live (a deleted one left behind would be counted in maxDoc). */
    private static long documents(Path directory) {
        try (FSDirectory opened = FSDirectory.open(directory); DirectoryReader reader = DirectoryReader.open(opened)) {
            if (reader.numDeletedDocs() > 0) {
                throw new IllegalStateException("the merged partition in " + directory + " still has " + reader.numDeletedDocs()
                        + " deleted documents after merging them away");
            }
            return reader.maxDoc();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the merged partition in " + directory + " failed: " + e.getMessage(), e);
        }
    }

    private Path workDirectory(String prefix) {
        Path parent = config.workDirectory().orElse(Path.of(System.getProperty("java.io.tmpdir")));
        try {
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            throw WorkDirectoryFullException.orElse(new UncheckedIOException("cannot create a work directory under " + parent + ": "
                    + e.getMessage(), e), parent);
        }
    }

    private WorkerResult result(StageStatus status, PartitionManifest manifest, WorkerResult.Input input) {
        WorkerResult.Staged staged = new WorkerResult.Staged(manifest.partition(), manifest.attempt(), manifest.docCount(), manifest.bytes(),
                manifest.files().size());
        return new WorkerResult(status, staged, new WorkerResult.Skipped(0, List.of()),
                new WorkerResult.Duplicates(manifest.duplicateIds() == null ? 0 : manifest.duplicateIds(), true), input,
                WorkerResult.Checkpoints.NONE, clock.finish(), cleanupFailures);
    }
}
