package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.ftindex.objectstore.Tasks;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The pages of committed files a process has read from object storage, on local disk, bounded in
 * bytes and shared by every generation it opens. Eviction is Caffeine's W-TinyLFU weighed in
 * bytes: a page read once by a scan does not push out the pages every query reads.
 *
 * <p>Every page is checked against the block checksums of its partition's {@link
 * dev.ftindex.format.Hotcache} when it arrives from the store and again each time it is read from
 * disk, so a torn or damaged cache file (a crash, a full disk, a person) is fetched again, never
 * used. Files are written to a temporary name and renamed; none is fsynced, since the check makes a
 * lost write cost a request, not a wrong byte. The directory may be emptied or lost at any time. If
 * it cannot be written, pages are kept in memory under the same bound and a warning is logged once.
 *
 * <p>Concurrent misses on one page share one request; adjacent missing pages of one read are
 * fetched with one request of at most {@link #MAX_REQUEST_BYTES}. Thread-safe.
 */
public final class PageCache implements Closeable {
    private static final System.Logger LOG = System.getLogger(PageCache.class.getName());
    /** Chosen on bytes, requests and time by the page-size benchmark (docs/benchmarks.md). */
    public static final int DEFAULT_PAGE_SIZE = 64 * 1024;
    public static final long DEFAULT_SIZE = 4L << 30;
    /** The most one coalesced request reads: larger reads are split, so one slow request never holds a query for long. */
    static final long MAX_REQUEST_BYTES = 8L << 20;
    private static final Pattern PAGE_FILE = Pattern.compile("([0-9a-f]{32})-(\\d+)\\.[0-9a-f]{8}\\.page");

    private final Path directory;
    private final long maxBytes;
    private final int pageSize;
    private final Cache<PageKey, Page> pages;
    /**
     * Pages of the disk tier also held in memory once they were checked: a warm query then reads
     * no file and computes no checksum. Bounded by an eighth of the heap; what it drops stays on disk.
     */
    private final Cache<PageKey, byte[]> recent = Caffeine.newBuilder()
            .maximumWeight(Runtime.getRuntime().maxMemory() / 8)
            .weigher((PageKey key, byte[] bytes) -> bytes.length)
            .executor(Runnable::run)
            .build();
    private final ConcurrentHashMap<PageKey, CompletableFuture<byte[]>> inflight = new ConcurrentHashMap<>();
    private final ExecutorService prefetcher = Tasks.pool(4, "prefetch");
    private final AtomicBoolean diskFailed = new AtomicBoolean();
    private volatile String diskProblem;
    private final boolean prefetch;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder bytesFetched = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder corruptCachePages = new LongAdder();
    private final LongAdder corruptStorePages = new LongAdder();
    private volatile String lastCorruptStorePage;

    /** Which page of which committed file: {@code file} is {@link RemoteFile#cacheId}. */
    record PageKey(String file, long page) {}

    /** Where a cached page lies: a file of its own, or memory when the disk refused it. */
    private sealed interface Page {
        int length();
    }

    private record OnDisk(Path path, int length) implements Page {}

    private record InMemory(byte[] bytes) implements Page {
        @Override
        public int length() {
            return bytes.length;
        }
    }

    /**
     * What the cache did so far: for {@code /metrics}, {@code /health} and the benchmarks.
     *
     * @param requests ranged GETs sent to the store
     * @param corruptCachePages pages on local disk that failed their checksum (fetched again)
     * @param corruptStorePages pages read from the store that failed their checksum twice (the query failed)
     * @param lastCorruptStorePage what the last of those was (generation, file and page), or null
     * @param maxBytes the limit {@code cachedBytes} stays within
     * @param diskProblem why pages are kept in memory instead of the cache directory (it could not
     *     be written: missing, not a directory, full), or null while the directory works
     */
    public record Stats(long hits, long misses, long requests, long bytesFetched, long evictions, long cachedBytes, long corruptCachePages,
            long corruptStorePages, String lastCorruptStorePage, long maxBytes, String diskProblem) {}

    /**
     * @param directory where the pages go; pages found there from an earlier run are used (each is
     *     checked before use)
     * @param maxBytes the most the pages may take
     * @param pageSize how much one page holds: a power of two of at least 4 KiB
     */
    public PageCache(Path directory, long maxBytes, int pageSize) {
        this(directory, maxBytes, pageSize, true);
    }

    /**
     * As above; {@code prefetch} false ignores Lucene's {@code prefetch} calls, so every page is
     * fetched when a read needs it (for the benchmark that measures what prefetching buys).
     */
    public PageCache(Path directory, long maxBytes, int pageSize, boolean prefetch) {
        this.prefetch = prefetch;
        this.directory = requireNonNull(directory, "directory is null");
        Reading.checkSizes(maxBytes, pageSize);
        this.maxBytes = maxBytes;
        this.pageSize = pageSize;
        this.pages = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((PageKey key, Page page) -> page.length())
                .executor(Runnable::run)
                .removalListener((PageKey key, Page page, RemovalCause cause) -> {
                    recent.invalidate(key);
                    if (cause.wasEvicted()) {
                        evictions.increment();
                    }
                    if (page instanceof OnDisk onDisk) {
                        deleteQuietly(onDisk.path());
                    }
                })
                .build();
        adoptExisting();
    }

    public int pageSize() {
        return pageSize;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public Path directory() {
        return directory;
    }

    public Stats stats() {
        pages.cleanUp();
        long cached = pages.policy().eviction().orElseThrow().weightedSize().orElseThrow();
        return new Stats(hits.sum(), misses.sum(), requests.sum(), bytesFetched.sum(), evictions.sum(), cached, corruptCachePages.sum(),
                corruptStorePages.sum(), lastCorruptStorePage, maxBytes, diskProblem);
    }

    /** The verified bytes of page {@code page} of {@code file}, from the cache or the store. */
    byte[] page(RemoteFile file, long page) throws IOException {
        byte[] cached = cached(file, page);
        if (cached != null) {
            return cached;
        }
        load(file, page, page);
        byte[] loaded = cached(file, page);
        return loaded != null ? loaded : fetchAlone(file, page);
    }

    /**
     * Makes sure pages {@code first} to {@code last} of {@code file} are cached, fetching each run
     * of missing pages with one request; waits for pages another thread is fetching.
     */
    void load(RemoteFile file, long first, long last) throws IOException {
        List<CompletableFuture<byte[]>> waits = new ArrayList<>();
        long runStart = -1;
        List<CompletableFuture<byte[]>> run = new ArrayList<>();
        for (long page = first; page <= last + 1; page++) {
            boolean ours = false;
            if (page <= last && !file.fullyPinned(page, pageSize) && !contains(file, page)) {
                CompletableFuture<byte[]> mine = new CompletableFuture<>();
                PageKey key = new PageKey(file.cacheId(), page);
                CompletableFuture<byte[]> theirs = inflight.putIfAbsent(key, mine);
                if (theirs == null && contains(file, page)) {
                    // Another thread's fetch of it finished between the check and now (it caches before it lets go).
                    inflight.remove(key, mine);
                    mine.complete(null);
                } else if (theirs == null) {
                    ours = true;
                    if (runStart < 0) {
                        runStart = page;
                    }
                    run.add(mine);
                } else {
                    waits.add(theirs);
                }
            }
            boolean full = (long) run.size() * pageSize >= MAX_REQUEST_BYTES;
            if (runStart >= 0 && (!ours || full)) {
                fetchRun(file, runStart, run);
                runStart = -1;
                run = new ArrayList<>();
            }
        }
        for (CompletableFuture<byte[]> wait : waits) {
            await(wait);
        }
    }

    /** Starts fetching the missing pages of {@code [first, last]} without waiting (Lucene's {@code prefetch}). */
    void prefetch(RemoteFile file, long first, long last) {
        if (!prefetch) {
            return;
        }
        for (long page = first; page <= last; page++) {
            if (!file.fullyPinned(page, pageSize) && !contains(file, page) && !inflight.containsKey(new PageKey(file.cacheId(), page))) {
                try {
                    prefetcher.execute(() -> {
                        try {
                            load(file, first, last);
                        } catch (IOException | RuntimeException e) {
                            // The read that needs the page fetches it again and reports the failure.
                            LOG.log(Level.DEBUG, "prefetch of " + file + " failed: " + e.getMessage());
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    // Closing: nothing to prefetch for.
                }
                return;
            }
        }
    }

    private void fetchRun(RemoteFile file, long first, List<CompletableFuture<byte[]>> futures) throws IOException {
        try {
            List<byte[]> fetched = file.fetchPages(first, futures.size(), pageSize);
            requests.increment();
            for (int i = 0; i < fetched.size(); i++) {
                byte[] bytes = fetched.get(i);
                bytesFetched.add(bytes.length);
                misses.increment();
                long page = first + i;
                if (!file.verifies(page, pageSize, bytes)) {
                    // Retried once alone: a flaky network or proxy, or damage in the store (then it fails again).
                    bytes = fetchAlone(file, page);
                }
                store(file, page, bytes);
                futures.get(i).complete(bytes);
            }
        } catch (IOException | RuntimeException | Error e) {
            for (CompletableFuture<byte[]> future : futures) {
                future.completeExceptionally(e);
            }
            throw e;
        } finally {
            for (int i = 0; i < futures.size(); i++) {
                inflight.remove(new PageKey(file.cacheId(), first + i), futures.get(i));
            }
        }
    }

    private byte[] fetchAlone(RemoteFile file, long page) throws IOException {
        byte[] bytes = file.fetchPages(page, 1, pageSize).get(0);
        requests.increment();
        bytesFetched.add(bytes.length);
        if (!file.verifies(page, pageSize, bytes)) {
            PageCorruptException corrupt = file.corruptPage(page, pageSize);
            corruptStorePages.increment();
            lastCorruptStorePage = corrupt.getMessage();
            throw corrupt;
        }
        return bytes;
    }

    private static void await(CompletableFuture<byte[]> future) throws IOException {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for a page");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PageCorruptException corrupt) {
                // Every waiter gets an exception of its own: one instance thrown in several threads is one whose
                // suppressed list and stack they would share (and add to each other).
                throw new PageCorruptException(corrupt.getMessage());
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(e.getCause());
        }
    }

    private boolean contains(RemoteFile file, long page) {
        return pages.asMap().containsKey(new PageKey(file.cacheId(), page));
    }

    /** The page if cached and still verifies; a page that does not is dropped (and its file removed). */
    private byte[] cached(RemoteFile file, long page) {
        PageKey key = new PageKey(file.cacheId(), page);
        Page cached = pages.getIfPresent(key);
        if (cached == null) {
            return null;
        }
        byte[] checked = recent.getIfPresent(key);
        if (checked != null) {
            hits.increment();
            return checked;
        }
        byte[] bytes;
        if (cached instanceof InMemory memory) {
            bytes = memory.bytes();
        } else {
            try {
                bytes = Files.readAllBytes(((OnDisk) cached).path());
            } catch (NoSuchFileException e) {
                pages.asMap().remove(key, cached);
                return null;
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot read the cached page " + cached + ": " + e.getMessage());
                pages.asMap().remove(key, cached);
                return null;
            }
        }
        if (!file.verifies(page, pageSize, bytes)) {
            corruptCachePages.increment();
            LOG.log(Level.WARNING, "cached page " + page + " of " + file + " does not match its checksum: fetching it again");
            pages.asMap().remove(key, cached);
            return null;
        }
        hits.increment();
        recent.put(key, bytes);
        return bytes;
    }

    private void store(RemoteFile file, long page, byte[] bytes) {
        PageKey key = new PageKey(file.cacheId(), page);
        if (!diskFailed.get()) {
            Path target = directory.resolve(file.cacheId() + "-" + page + "." + UUID.randomUUID().toString().substring(0, 8) + ".page");
            Path temp = directory.resolve(target.getFileName() + ".tmp");
            // The page takes its room in the cache before its bytes reach the disk: what it displaces
            // is evicted (and its file removed) first, so the files never exceed the cache's size,
            // even with several threads storing pages at once. Until the file is there, readers
            // find the bytes in the recent pages.
            OnDisk entry = new OnDisk(target, bytes.length);
            recent.put(key, bytes);
            pages.put(key, entry);
            pages.cleanUp();
            try {
                Files.createDirectories(directory);
                Files.write(temp, bytes);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                if (pages.asMap().get(key) != entry) {
                    deleteQuietly(target); // evicted (or replaced) before its file was there: the file is no one's
                }
                return;
            } catch (IOException | UncheckedIOException e) {
                pages.asMap().remove(key, entry);
                deleteQuietly(temp);
                if (diskFailed.compareAndSet(false, true)) {
                    diskProblem = "cannot write " + directory + ": " + e.getMessage();
                    LOG.log(Level.WARNING, "cannot write the page cache under " + directory + " (" + e.getMessage()
                            + "): keeping pages in memory, up to " + maxBytes + " bytes");
                }
            }
        }
        pages.put(key, new InMemory(bytes));
    }

    /** Pages left by an earlier run are used (each checked before use); temporary files are removed. */
    private void adoptExisting() {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path path : files.toList()) {
                String name = path.getFileName().toString();
                Matcher matcher = PAGE_FILE.matcher(name);
                if (matcher.matches()) {
                    long size = Files.size(path);
                    if (size <= pageSize) {
                        pages.put(new PageKey(matcher.group(1), Long.parseLong(matcher.group(2))), new OnDisk(path, (int) size));
                        continue;
                    }
                }
                if (name.endsWith(".page") || name.endsWith(".tmp")) {
                    deleteQuietly(path);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot read the page cache under " + directory + ": " + e.getMessage());
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cannot remove " + path + ": " + e.getMessage());
        }
    }

    /** Stops prefetching; the cached pages stay on disk for the next process. */
    @Override
    public void close() {
        prefetcher.shutdownNow();
    }
}
