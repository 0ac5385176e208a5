package dev.ftindex.search;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.util.Objects.requireNonNull;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexMetadata.CommittedPartition;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.stream.Stream;

/**
 * A local copy of a committed index, under {@code <cache>/<indexId>/part_<n>/}. Files are
 * downloaded in parallel into temporary files, checked against the metadata in full (size, and
 * the CRC32 of every byte against the footer and against the recorded checksum), fsynced, and
 * renamed into place. Two processes filling the same cache at once each write their own
 * temporary file and rename identical bytes, so neither ever sees a partial file. A cached file
 * is reused when its size and footer match the metadata.
 *
 * <p>A long-running reader (the server) holds what it opened as a {@link Lease}: one reference
 * count per index directory, for every holder in this process (open readers, a fetch in
 * progress). The directory is removed when its last lease is closed, never while another holds it.
 */
public final class IndexCache {
    private static final System.Logger LOG = System.getLogger(IndexCache.class.getName());
    private static final String TEMP_PREFIX = ".download-";

    private final Path root;
    private final int concurrency;
    private final Map<Path, Integer> holders = new HashMap<>();

    /**
     * @param root the cache directory ({@link #defaultRoot()})
     * @param concurrency downloads in flight
     */
    public IndexCache(Path root, int concurrency) {
        this.root = requireNonNull(root, "root is null");
        this.concurrency = concurrency;
    }

    /** The default cache: {@code $FTINDEX_CACHE}, else {@code $XDG_CACHE_HOME/ftindex}, else {@code ~/.cache/ftindex}. */
    public static Path defaultRoot() {
        String explicit = System.getenv("FTINDEX_CACHE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("ftindex");
    }

    /** Where {@link #fetch} puts the index {@code metadata} describes: {@code <cache>/<indexId>/}. */
    public Path directory(IndexMetadata metadata) {
        return inside(root, metadata.indexId());
    }

    /**
     * A hold on one index's directory, fetched and verified: the files stay while it is open.
     * {@link #close} removes them when it was the last hold; {@link #closeKeepingFiles} leaves them
     * for the next start or a retry.
     */
    public final class Lease implements AutoCloseable {
        private final Path directory;
        private final List<Path> partitions;
        private boolean closed;

        private Lease(Path directory, List<Path> partitions) {
            this.directory = directory;
            this.partitions = List.copyOf(partitions);
        }

        public Path directory() {
            return directory;
        }

        /** The directory of each partition, in partition order. */
        public List<Path> partitions() {
            return partitions;
        }

        /** Releases the hold; the last one removes the directory. */
        @Override
        public void close() {
            release(true);
        }

        /** Releases the hold and leaves the files whatever other holds remain. */
        public void closeKeepingFiles() {
            release(false);
        }

        private void release(boolean remove) {
            synchronized (IndexCache.this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            if (letGo(directory) && remove) {
                removeDirectory(directory);
            }
        }
    }

    /**
     * Holds the index's directory, then fetches and verifies it ({@link #fetch}). A failed fetch
     * releases the hold and leaves the verified files for a retry.
     */
    public Lease lease(ObjectStore store, IndexMetadata metadata, Progress progress) {
        Path directory = directory(metadata);
        hold(directory);
        try {
            return new Lease(directory, fetch(store, metadata, progress));
        } catch (RuntimeException | Error e) {
            letGo(directory);
            throw e;
        }
    }

    private synchronized void hold(Path directory) {
        holders.merge(directory, 1, Integer::sum);
    }

    /** @return whether nothing holds {@code directory} any more */
    private synchronized boolean letGo(Path directory) {
        Integer left = holders.merge(directory, -1, Integer::sum);
        if (left != null && left <= 0) {
            holders.remove(directory);
            return true;
        }
        return false;
    }

    /** Removes an index's cache files: best effort (a failure leaves files, never a reader without them). */
    private static void removeDirectory(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove the cache files under " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes sure every file of the index is in the cache and verified.
     *
     * @param store the index root the metadata was read from
     * @return the directory of each partition, in partition order
     * @throws CorruptIndexException naming every file that failed verification
     */
    public List<Path> fetch(ObjectStore store, IndexMetadata metadata, Progress progress) {
        Path indexDirectory = directory(metadata);
        List<Path> directories = new ArrayList<>();
        List<Callable<Void>> downloads = new ArrayList<>();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        long bytes = metadata.totals().bytes();
        try (Stage stage = progress.stage("fetching", Unit.FILES, metadata.totals().files(), bytes)) {
            for (CommittedPartition partition : metadata.partitions()) {
                Path directory = inside(indexDirectory, "part_" + partition.n());
                directories.add(directory);
                for (FileEntry file : partition.files()) {
                    downloads.add(() -> {
                        try {
                            ensure(store, partition.key(file), directory, file, stage).ifPresent(problems::add);
                        } catch (IOException e) {
                            throw new UncheckedIOException("cannot write the cache under " + directory + ": " + e.getMessage(), e);
                        }
                        return null;
                    });
                }
            }
            runAll(downloads);
        }
        if (!problems.isEmpty()) {
            List<String> sorted = new ArrayList<>(problems);
            Collections.sort(sorted);
            throw new CorruptIndexException(sorted.size() + " committed file(s) of index " + metadata.indexId()
                    + " failed verification", sorted);
        }
        return directories;
    }

    private Optional<String> ensure(ObjectStore store, String key, Path directory, FileEntry file, Stage stage) throws IOException {
        Path target = inside(directory, file.name());
        if (LuceneFiles.footerMatches(target, file)) {
            stage.add(1, file.size());
            return Optional.empty();
        }
        Files.createDirectories(directory);
        Path temp = directory.resolve(TEMP_PREFIX + file.name() + "-" + UUID.randomUUID());
        try {
            Optional<String> problem = LuceneFiles.download(store, key, file, temp, stage, "the metadata");
            if (problem.isPresent()) {
                return problem;
            }
            Files.move(temp, target, ATOMIC_MOVE, REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
            return Optional.empty();
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * {@code directory/name}, refused unless it lies inside {@code directory}. Names come from
     * metadata read from the store, which is validated when parsed; whoever can write to a bucket
     * must still never make a reader write anywhere else on its host.
     */
    static Path inside(Path directory, String name) {
        Path base = directory.toAbsolutePath().normalize();
        Path resolved = base.resolve(name).normalize();
        if (!resolved.startsWith(base) || resolved.equals(base)) {
            throw new CorruptIndexException("the metadata names a path outside the cache",
                    List.of("'" + name + "' resolves to " + resolved + ", outside " + base));
        }
        return resolved;
    }

    private void runAll(List<Callable<Void>> tasks) {
        ExecutorService pool = Tasks.pool(concurrency, "fetch");
        try {
            Tasks.runAll(pool, tasks);
        } finally {
            pool.shutdownNow();
        }
    }
}
