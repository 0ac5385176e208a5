package dev.ftindex.builder;

import static java.util.Objects.requireNonNull;

import dev.ftindex.builder.Assignment.Split;
import dev.ftindex.format.Analyzers;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.FieldStats;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.RunStats;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.RequestMetrics;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.Tasks;
import dev.ftindex.objectstore.TransientStorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Version;

/**
 * One worker attempt: builds partition {@code pid} from its share of the input and stages it.
 *
 * <ol>
 *   <li>If {@code metadata.lance} exists, stop with a conflict: the index is committed.
 *   <li>If {@code staging/part_<pid>.json} exists, stop with success: the partition is staged.
 *   <li>Read the share, index it with several threads into a local directory, commit,
 *       force-merge, and verify every file's checksum.
 *   <li>Upload every file to {@code staging/part_<pid>/attempt_<aid>/} under a fresh attempt id.
 *   <li>Create the manifest {@code staging/part_<pid>.json}, create-only. If it exists, another
 *       attempt won: remove this attempt's files (best-effort) and succeed.
 * </ol>
 *
 * <p>Atomic: the manifest's creation. What a failure can leave behind: files under this
 * attempt's own prefix, which no manifest references and which the finalizer's cleanup of
 * {@code staging/} removes after commit. Nothing under {@code staging/} is ever overwritten.
 * Bad input fails the run before anything is uploaded.
 */
public final class Worker {
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());
    private static final int BAD_RECORD_EXAMPLES = 10;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter ATTEMPT_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final ObjectStore index;
    private final WorkerConfig config;
    private final Function<StoreLocation.S3, ObjectStore> inputStores;
    private final Progress progress;
    private final String attempt;
    private final WorkDirectories workDirectories;
    private final java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
    private RunStats.Clock clock;
    private final List<String> cleanupFailures = new ArrayList<>();

    /**
     * @param index the index root
     * @param inputStores opens stores for S3 inputs (owned by the caller)
     */
    public Worker(ObjectStore index, WorkerConfig config, Function<StoreLocation.S3, ObjectStore> inputStores, Progress progress) {
        this(index, config, inputStores, progress, FSDirectory::open);
    }

    /** How the local work directory is opened as a Lucene directory (tests inject a full disk here). */
    @FunctionalInterface
    interface WorkDirectories {
        Directory open(Path path) throws IOException;
    }

    Worker(ObjectStore index, WorkerConfig config, Function<StoreLocation.S3, ObjectStore> inputStores, Progress progress,
           WorkDirectories workDirectories) {
        this.workDirectories = requireNonNull(workDirectories, "workDirectories is null");
        this.index = requireNonNull(index, "index is null");
        this.config = requireNonNull(config, "config is null");
        this.inputStores = requireNonNull(inputStores, "inputStores is null");
        this.progress = requireNonNull(progress, "progress is null");
        this.attempt = newAttemptId();
    }

    /** A fresh attempt id: UTC time (so ids sort by age) and 40 random bits. */
    static String newAttemptId() {
        byte[] random = new byte[5];
        RANDOM.nextBytes(random);
        return ATTEMPT_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(random);
    }

    public String attempt() {
        return attempt;
    }

    /**
     * Runs the protocol once, as attempt {@link #attempt()}.
     *
     * @throws IllegalStateException if this worker has run already: a second run would reuse the
     *     attempt id, and an attempt's files must come from one run only
     */
    public WorkerResult run() {
        if (!ran.compareAndSet(false, true)) {
            throw new IllegalStateException("a Worker runs once (attempt " + attempt + "); make a new one for another attempt");
        }
        clock = new RunStats.Clock(index.metrics());
        long partition = config.partition();
        String manifestKey = IndexLayout.manifestKey(partition);
        IndexRoot root = new IndexRoot(index);

        checkNotCommitted(root);
        Optional<PartitionManifest> staged = root.manifest(partition);
        if (staged.isPresent()) {
            LOG.log(Level.INFO, "partition " + partition + " is already staged by attempt " + staged.get().attempt() + "; nothing to do");
            return result(WorkerResult.Status.ALREADY_STAGED, staged.get(), null, null);
        }

        List<InputFile> files = Inputs.resolve(config.inputs(), inputStores);
        int partitions = config.partitions().orElse(1);
        List<Split> share = config.partitions().isPresent()
                ? Assignment.share(files, (int) partition, partitions, config.splitRules())
                : Assignment.assign(files, 1, config.splitRules()).getFirst();
        String inputFingerprint = Assignment.fingerprint(files, partitions, config.splitRules());
        WorkerResult.Input input = new WorkerResult.Input(files.size(), share.size(),
                share.stream().mapToLong(Split::length).sum(), 0, inputFingerprint);

        Path workDirectory;
        try {
            workDirectory = createWorkDirectory();
        } catch (RuntimeException e) {
            throw diskFullOr(e, config.workDirectory().orElse(Path.of(System.getProperty("java.io.tmpdir"))));
        }
        try {
            BadRecords badRecords = new BadRecords(BAD_RECORD_EXAMPLES);
            Built built;
            try {
                built = build(share, input, workDirectory, config.skipBadRecords() ? badRecords : null);
            } catch (RuntimeException e) {
                throw diskFullOr(e, workDirectory.getParent());
            }
            PartitionManifest manifest = new PartitionManifest(PartitionManifest.FORMAT, PartitionManifest.VERSION,
                    partition, attempt, config.partitions().orElse(null), built.docs(), Version.LATEST.toString(),
                    config.spec(), config.spec().fingerprint(),
                    new PartitionManifest.InputDescription(String.join(" ", config.inputs()), inputFingerprint,
                            files.size(), input.bytes(), share.size()),
                    built.files(), built.fieldStats(), badRecords.count(),
                    built.duplicates().any() ? built.duplicates().ids() : null, Instant.now().toString());
            upload(built, workDirectory);
            PartitionManifest winner = stage(manifest);
            WorkerResult.Status status = winner.attempt().equals(attempt) ? WorkerResult.Status.STAGED : WorkerResult.Status.LOST_RACE;
            if (status == WorkerResult.Status.LOST_RACE) {
                LOG.log(Level.INFO, "attempt " + winner.attempt() + " staged partition " + partition + " first; removing this attempt's files");
                removeOwnFiles(null);
            } else {
                status = checkCommittedWithoutUs(root, manifestKey, status);
            }
            return result(status, winner, badRecords, input.withBytesRead(built.bytesRead()));
        } finally {
            deleteRecursively(workDirectory);
        }
    }

    /** A full work directory is a retryable failure of its own, reported before whatever it caused. */
    private static RuntimeException diskFullOr(RuntimeException failure, Path workBase) {
        Optional<WorkDirectoryFullException> full = WorkDirectoryFullException.of(failure, workBase);
        if (full.isEmpty()) {
            return failure;
        }
        full.get().addSuppressed(failure);
        return full.get();
    }

    private void checkNotCommitted(IndexRoot root) {
        if (!root.isCommitted()) {
            return;
        }
        throw new ConflictException(index.location() + " is already committed (" + IndexLayout.METADATA
                + " exists): a committed index is never changed; build into a new index root");
    }

    /** @param bytesRead what reading the share took from storage: whole text files, only the projected column chunks of Parquet */
    private record Built(long docs, long bytesRead, List<FileEntry> files, Map<String, FieldStats> fieldStats, DuplicateIds.Found duplicates) {}

    private Built build(List<Split> share, WorkerResult.Input input, Path workDirectory, BadRecords badRecords) {
        IndexSpec spec = config.spec();
        // No merges while indexing: the partition is force-merged at the end, so every
        // background merge would be work thrown away (docs/benchmarks.md).
        IndexWriterConfig writerConfig = new IndexWriterConfig(Analyzers.forSpec(spec))
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
                .setRAMBufferSizeMB(config.ramBufferMb())
                .setUseCompoundFile(true)
                .setMergePolicy(NoMergePolicy.INSTANCE)
                .setSimilarity(new BM25Similarity((float) spec.similarity().k1(), (float) spec.similarity().b()))
                .setCommitOnClose(false);
        long docs;
        long bytesRead;
        // Memory-mapped (FSDirectory picks MMapDirectory): merges decode twice as fast as through
        // positional reads (docs/benchmarks.md). Mapped pages are page cache, not heap.
        try (Directory directory = workDirectories.open(workDirectory)) {
            try (IndexWriter writer = new IndexWriter(directory, writerConfig)) {
                try (Stage reading = progress.stage("indexing", "docs", -1, input.bytes())) {
                    docs = new IndexingPipeline(share, spec, writer, config.threads(), badRecords, reading).run();
                    // The flush of the last in-memory segments is part of indexing.
                    writer.commit();
                    clock.stage("indexing", reading.elapsedSeconds());
                    bytesRead = reading.bytes();
                }
                try (Stage merging = progress.stage("merging", "segments", config.segments(), -1)) {
                    TieredMergePolicy mergePolicy = new TieredMergePolicy();
                    mergePolicy.setNoCFSRatio(1.0);
                    writer.getConfig().setMergePolicy(mergePolicy);
                    writer.forceMerge(config.segments());
                    writer.commit();
                    merging.add(config.segments(), 0);
                    clock.stage("merging", merging.elapsedSeconds());
                }
            }
            List<String> names = new ArrayList<>(Arrays.asList(directory.listAll()));
            names.remove(IndexWriter.WRITE_LOCK_NAME);
            names.sort(null);
            List<FileEntry> files = new ArrayList<>();
            Map<String, FieldStats> fieldStats;
            DuplicateIds.Found duplicates;
            try (Stage verifying = progress.stage("verifying", "files", names.size(), -1)) {
                for (String name : names) {
                    LuceneFiles.Verified verified = LuceneFiles.verify(directory, name);
                    files.add(new FileEntry(name, verified.size(), verified.checksum()));
                    verifying.add(1, verified.size());
                }
                try (DirectoryReader reader = DirectoryReader.open(directory)) {
                    fieldStats = fieldStats(reader);
                    long checkStart = System.nanoTime();
                    duplicates = DuplicateIds.find(reader, spec.idField(), BAD_RECORD_EXAMPLES);
                    clock.stage("duplicate-check", (System.nanoTime() - checkStart) / 1e9);
                }
                clock.stage("verifying", verifying.elapsedSeconds());
            }
            if (duplicates.any() && !config.allowDuplicateIds()) {
                throw new BadInputException(DuplicateIds.describe(config.partition(), duplicates,
                        DuplicateIds.locate(share, spec, duplicates.examples())));
            }
            if (duplicates.any()) {
                LOG.log(Level.WARNING, "partition " + config.partition() + ": " + duplicates.ids() + " ids occur more than once ("
                        + duplicates.documents() + " records), kept as --allow-duplicate-ids asks; first: " + duplicates.examples());
            }
            return new Built(docs, bytesRead, files, fieldStats, duplicates);
        } catch (IOException e) {
            throw new UncheckedIOException("building the partition in " + workDirectory + " failed: " + e.getMessage(), e);
        }
    }

    private static Map<String, FieldStats> fieldStats(DirectoryReader reader) throws IOException {
        Map<String, FieldStats> stats = new TreeMap<>();
        for (FieldInfo field : FieldInfos.getMergedFieldInfos(reader)) {
            if (field.getIndexOptions() == IndexOptions.NONE) {
                continue;
            }
            Terms terms = MultiTerms.getTerms(reader, field.name);
            if (terms != null) {
                stats.put(field.name, new FieldStats(terms.getDocCount(), terms.getSumDocFreq(), terms.getSumTotalTermFreq()));
            }
        }
        return stats;
    }

    private void upload(Built built, Path workDirectory) {
        long bytes = built.files().stream().mapToLong(FileEntry::size).sum();
        ExecutorService pool = Tasks.pool(config.uploadConcurrency(), "upload");
        try (Stage uploading = progress.stage("uploading", "files", built.files().size(), bytes)) {
            List<Callable<Void>> uploads = new ArrayList<>();
            for (FileEntry file : built.files()) {
                uploads.add(() -> {
                    index.put(IndexLayout.stagedFileKey(config.partition(), attempt, file.name()),
                            Payload.of(workDirectory.resolve(file.name())));
                    uploading.add(1, file.size());
                    return null;
                });
            }
            try {
                Tasks.runAll(pool, uploads);
            } catch (RuntimeException failure) {
                removeOwnFiles(failure);
                throw failure;
            }
            clock.stage("uploading", uploading.elapsedSeconds());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Creates the manifest. An ambiguous failure is resolved by reading the manifest back: the
     * attempt id in it says whether our write landed.
     *
     * @return the manifest that won: ours, or another attempt's
     */
    private PartitionManifest stage(PartitionManifest manifest) {
        String key = IndexLayout.manifestKey(manifest.partition());
        byte[] bytes = Json.writeChecksummed(manifest);
        try (Stage staging = progress.stage("staging", "manifests", 1, bytes.length)) {
            // A manifest found and gone before it could be read: a finalizer committed and cleaned
            // up staging/ since. Write again; what the commit holds is checked after staging.
            StoredJson.Created<PartitionManifest> created = StoredJson.createOnly(index, key, manifest, bytes, true);
            if (created.outcome() == StoredJson.Outcome.CREATED) {
                staging.add(1, bytes.length);
                clock.stage("staging", staging.elapsedSeconds());
            }
            return created.stored().orElseThrow(() -> new TransientStorageException(index.location(), key,
                    "the manifest vanished after each of " + StoredJson.CREATE_ONLY.maxAttempts() + " create-only writes found it"
                            + " (is something deleting staging/?)", null));
        }
    }

    /**
     * A worker that staged its partition while the index was being committed without it (a slow
     * or zombie attempt) must not report success for documents that are not in the index. If the
     * commit holds this partition from another attempt, this attempt merely lost a race; if it
     * does not hold the partition at all, that is a conflict. Either way this attempt's manifest
     * and files are garbage and are removed.
     *
     * @return the status to report
     */
    private WorkerResult.Status checkCommittedWithoutUs(IndexRoot root, String manifestKey, WorkerResult.Status status) {
        Optional<IndexMetadata> committed = root.committedNow();
        if (committed.isEmpty()) {
            return status;
        }
        Optional<IndexMetadata.CommittedPartition> ours = committed.get().partitions().stream()
                .filter(p -> p.partition() == config.partition())
                .findFirst();
        if (ours.isPresent() && ours.get().attempt().equals(attempt)) {
            return status;
        }
        if (ours.isPresent()) {
            LOG.log(Level.INFO, "the index was committed with partition " + config.partition() + " from attempt "
                    + ours.get().attempt() + "; removing this attempt's files");
            removeOwnFiles(null);
            deleteOwnManifest(manifestKey, null);
            return WorkerResult.Status.LOST_RACE;
        }
        ConflictException conflict = new ConflictException(index.location() + " was committed as index "
                + committed.get().indexId() + " while this worker ran, without partition " + config.partition()
                + ": the documents of attempt " + attempt + " are not in the index; build into a new index root");
        removeOwnFiles(conflict);
        deleteOwnManifest(manifestKey, conflict);
        throw conflict;
    }

    /** Deletes the manifest if it is this attempt's (it may be another's, or gone). */
    private void deleteOwnManifest(String manifestKey, Throwable primary) {
        try {
            Optional<PartitionManifest> stored = StoredJson.readIfExists(index, manifestKey, PartitionManifest.class);
            if (stored.isPresent() && stored.get().attempt().equals(attempt)) {
                index.delete(manifestKey);
            }
        } catch (RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            } else {
                cleanupFailures.add("removing " + index.location() + manifestKey + ": " + e.getMessage());
            }
        }
    }

    /** Deletes this attempt's staged files, best-effort: a failure is attached or reported, never thrown. */
    private void removeOwnFiles(Throwable primary) {
        String prefix = IndexLayout.attemptPrefix(config.partition(), attempt);
        try {
            List<String> keys = index.list(prefix).stream().map(ObjectInfo::key).toList();
            if (!keys.isEmpty()) {
                index.deleteAll(keys);
            }
        } catch (RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            } else {
                cleanupFailures.add("removing " + index.location() + prefix + ": " + e.getMessage());
                LOG.log(Level.WARNING, "could not remove this attempt's files under " + prefix + ": " + e.getMessage());
            }
        }
    }

    private Path createWorkDirectory() {
        try {
            Path base = config.workDirectory().orElse(Path.of(System.getProperty("java.io.tmpdir")));
            Files.createDirectories(base);
            return Files.createTempDirectory(base, "ftindex-part" + config.partition() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory: " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path directory) {
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove the work directory " + directory + ": " + e.getMessage());
        }
    }

    private WorkerResult result(WorkerResult.Status status, PartitionManifest manifest, BadRecords badRecords, WorkerResult.Input input) {
        WorkerResult.Skipped skipped = badRecords == null
                ? new WorkerResult.Skipped(manifest.skippedRecords(), List.of())
                : new WorkerResult.Skipped(badRecords.count(), badRecords.first());
        WorkerResult.Input described = input != null ? input
                : new WorkerResult.Input(manifest.input().files(), manifest.input().splits(), manifest.input().bytes(), 0,
                        manifest.input().fingerprint());
        WorkerResult.Duplicates duplicates = new WorkerResult.Duplicates(
                manifest.duplicateIds() == null ? 0 : manifest.duplicateIds(), config.allowDuplicateIds());
        WorkerResult.Staged staged = new WorkerResult.Staged(manifest.partition(), manifest.attempt(), manifest.docCount(), manifest.bytes(),
                manifest.files().size());
        return new WorkerResult(status, staged, skipped, duplicates, described, clock.finish(), cleanupFailures);
    }
}
