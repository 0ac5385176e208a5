package dev.ftindex.builder;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.Analyzers;
import dev.ftindex.format.FieldStats;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.format.IdList;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.RunStats;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * One partition built locally, whoever feeds it (the worker's input pipeline, a Spark task):
 * documents go to one {@link IndexWriter} in a fresh work directory (no merges while indexing),
 * then {@link #finish} flushes, force-merges to the configured segment count, verifies every
 * file's checksum, collects the term statistics and finds duplicate ids. Closing it removes the
 * work directory. {@link #add} is thread-safe (the writer gives each thread its own segment).
 */
public final class PartitionBuild implements Closeable {
    private static final System.Logger LOG = System.getLogger(PartitionBuild.class.getName());
    private static final int DUPLICATE_EXAMPLES = 10;

    private final IndexSpec spec;
    private final int segments;
    private final Progress progress;
    private final Path workDirectory;
    private final Directory directory;
    private final IndexWriter writer;

    /** How the local work directory is opened as a Lucene directory: {@link FSDirectory#open} (tests inject a full disk here). */
    @FunctionalInterface
    public interface WorkDirectories {
        Directory open(Path path) throws IOException;
    }

    /** Fills a new work directory before the writer opens it: a checkpoint's files (the worker resuming). */
    @FunctionalInterface
    public interface Seed {
        Seed NONE = directory -> false;

        /** @return whether it put a Lucene commit there (the writer then appends to it) */
        boolean fill(Path directory) throws IOException;
    }

    /**
     * What {@link #finish} made: the verified files in the work directory and what the manifest records of them.
     *
     * @param docs documents in the partition
     */
    public record Built(Path directory, long docs, List<FileEntry> files, Map<String, FieldStats> fieldStats, DuplicateIds.Found duplicates) {
        public long bytes() {
            return files.stream().mapToLong(FileEntry::size).sum();
        }
    }

    /**
     * @param workBase where the work directory is created (default: the system temp directory)
     * @param partition for the work directory's name and messages
     */
    public PartitionBuild(IndexSpec spec, double ramBufferMb, int segments, Optional<Path> workBase, long partition, Progress progress) {
        this(spec, ramBufferMb, segments, workBase, partition, progress, FSDirectory::open);
    }

    public PartitionBuild(IndexSpec spec, double ramBufferMb, int segments, Optional<Path> workBase, long partition, Progress progress,
                   WorkDirectories workDirectories) {
        this(spec, ramBufferMb, segments, workBase, partition, progress, workDirectories, Seed.NONE);
    }

    /**
     * @param seed fills the work directory before the writer opens it; a commit it leaves there is
     *     appended to instead of starting empty
     */
    public PartitionBuild(IndexSpec spec, double ramBufferMb, int segments, Optional<Path> workBase, long partition, Progress progress,
                   WorkDirectories workDirectories, Seed seed) {
        this.spec = requireNonNull(spec, "spec is null");
        this.segments = segments;
        this.progress = requireNonNull(progress, "progress is null");
        Path base = workBase.orElse(Path.of(System.getProperty("java.io.tmpdir")));
        try {
            Files.createDirectories(base);
            this.workDirectory = Files.createTempDirectory(base, "ftindex-part" + partition + "-");
        } catch (IOException e) {
            throw WorkDirectoryFullException.orElse(new UncheckedIOException("cannot create a work directory under " + base + ": "
                    + e.getMessage(), e), base);
        }
        // No merges while indexing: the partition is force-merged at the end, so every
        // background merge would be work thrown away (docs/benchmarks.md).
        boolean seeded;
        try {
            seeded = seed.fill(workDirectory);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(workDirectory);
            throw WorkDirectoryFullException.orElse(e instanceof IOException io
                    ? new UncheckedIOException("cannot fill the work directory " + workDirectory + ": " + io.getMessage(), io)
                    : (RuntimeException) e, base);
        }
        IndexWriterConfig writerConfig = new IndexWriterConfig(Analyzers.forSpec(spec))
                .setOpenMode(seeded ? IndexWriterConfig.OpenMode.APPEND : IndexWriterConfig.OpenMode.CREATE)
                .setRAMBufferSizeMB(ramBufferMb)
                .setUseCompoundFile(true)
                .setMergePolicy(NoMergePolicy.INSTANCE)
                .setSimilarity(new BM25Similarity((float) spec.similarity().k1(), (float) spec.similarity().b()))
                .setCommitOnClose(false);
        Directory opened = null;
        try {
            // Memory-mapped (FSDirectory picks MMapDirectory): merges decode twice as fast as through
            // positional reads (docs/benchmarks.md). Mapped pages are page cache, not heap.
            opened = workDirectories.open(workDirectory);
            this.directory = opened;
            this.writer = new IndexWriter(directory, writerConfig);
        } catch (IOException | RuntimeException e) {
            closeQuietly(opened, e);
            deleteRecursively(workDirectory);
            throw WorkDirectoryFullException.orElse(e instanceof IOException io
                    ? new UncheckedIOException("cannot open the work directory " + workDirectory + ": " + io.getMessage(), io)
                    : (RuntimeException) e, base);
        }
    }

    public Path workDirectory() {
        return workDirectory;
    }

    /** Adds one document (from any thread). */
    public void add(Document document) throws IOException {
        writer.addDocument(document);
    }

    /**
     * What closed the writer under the indexing threads, if anything did (a full disk during a
     * flush): the cause to report rather than the {@code AlreadyClosedException} the others see.
     */
    public Optional<Throwable> tragicException() {
        return Optional.ofNullable(writer.getTragicException());
    }

    /** Adds documents (from any thread). */
    public void add(List<Document> documents) throws IOException {
        writer.addDocuments(documents);
    }

    /**
     * Adds every segment of {@code indexes} as they are (Lucene's {@code addIndexes}: files are
     * copied, nothing is re-analyzed), in the order given: how a compaction fills its partition.
     */
    public void addIndexes(List<Directory> indexes) throws IOException {
        writer.addIndexes(indexes.toArray(Directory[]::new));
    }

    /** Writes the documents still in memory to segments: the end of indexing. */
    public void flush() throws IOException {
        writer.commit();
    }

    /**
     * Commits what was added so far (a checkpoint) and names the commit's files, in the work
     * directory. Call it with no {@link #add} running: the commit holds exactly what was added before.
     */
    public List<String> commit() throws IOException {
        writer.commit();
        List<String> files = new ArrayList<>(SegmentInfos.readLatestCommit(directory).files(true));
        files.sort(null);
        return files;
    }

    /**
     * Force-merges, verifies and describes the partition (after {@link #flush}). The writer is
     * closed after it.
     *
     * @param clock where the stages' times go
     */
    public Built finish(long docs, RunStats.Clock clock) {
        try {
            try (Stage merging = progress.stage("merging", Unit.SEGMENTS, segments, -1)) {
                TieredMergePolicy mergePolicy = new TieredMergePolicy();
                mergePolicy.setNoCFSRatio(1.0);
                // Deleted documents (a compaction of an updated index) are merged away, every one:
                // the partition then holds only live documents, and its statistics count only them.
                mergePolicy.setForceMergeDeletesPctAllowed(0);
                writer.getConfig().setMergePolicy(mergePolicy);
                writer.forceMergeDeletes(true);
                writer.forceMerge(segments);
                writer.commit();
                merging.add(segments, 0);
                clock.stage("merging", merging.elapsedSeconds());
            }
            writer.close();
            List<String> names = new ArrayList<>(Arrays.asList(directory.listAll()));
            names.remove(IndexWriter.WRITE_LOCK_NAME);
            // The id list is one of the files the hotcache lists, so a lazy reader accounts for every file.
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                IdList.write(directory, reader, spec.idField());
            }
            if (!names.contains(IdList.NAME)) {
                names.add(IdList.NAME);
            }
            long hotcacheStart = System.nanoTime();
            Hotcache.write(directory, names, Hotcache.DEFAULT_BLOCK_SIZE, HotBlocks.record(directory, Hotcache.DEFAULT_BLOCK_SIZE));
            clock.stage("hotcache", (System.nanoTime() - hotcacheStart) / 1e9);
            if (!names.contains(Hotcache.NAME)) {
                names.add(Hotcache.NAME);
            }
            names.sort(null);
            List<FileEntry> files = new ArrayList<>();
            Map<String, FieldStats> fieldStats;
            DuplicateIds.Found duplicates;
            try (Stage verifying = progress.stage("verifying", Unit.FILES, names.size(), -1)) {
                for (String name : names) {
                    LuceneFiles.Verified verified = LuceneFiles.verify(directory, name);
                    files.add(new FileEntry(name, verified.size(), verified.checksum()));
                    verifying.add(1, verified.size());
                }
                try (DirectoryReader reader = DirectoryReader.open(directory)) {
                    fieldStats = fieldStats(reader);
                    long checkStart = System.nanoTime();
                    duplicates = DuplicateIds.find(reader, spec.idField(), DUPLICATE_EXAMPLES);
                    clock.stage("duplicate-check", (System.nanoTime() - checkStart) / 1e9);
                }
                clock.stage("verifying", verifying.elapsedSeconds());
            }
            return new Built(workDirectory, docs, files, fieldStats, duplicates);
        } catch (IOException e) {
            throw new UncheckedIOException("building the partition in " + workDirectory + " failed: " + e.getMessage(), e);
        }
    }

    /** Term statistics per indexed field, as a partition's manifest records them. */
    public static Map<String, FieldStats> fieldStats(DirectoryReader reader) throws IOException {
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

    /** Closes the writer (if {@link #finish} did not) and removes the work directory. */
    @Override
    public void close() {
        try {
            if (writer.isOpen()) {
                writer.rollback();
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "closing the writer of " + workDirectory + ": " + e.getMessage());
        }
        try {
            directory.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing " + workDirectory + ": " + e.getMessage());
        }
        deleteRecursively(workDirectory);
    }

    private static void closeQuietly(Directory directory, Throwable primary) {
        if (directory != null) {
            try {
                directory.close();
            } catch (IOException e) {
                primary.addSuppressed(e);
            }
        }
    }

    /** Removes {@code directory} and everything in it, best effort (a failure is logged): work directories. */
    public static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
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
}
