package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * How a reader ({@code ftindex search}, {@code ftindex serve}) gets at a generation's bytes: the
 * {@link FetchMode}, and for the lazy mode the size of the {@link PageCache} on disk and of its
 * pages.
 *
 * @param fetch lazy, full, or auto (lazy for {@code s3://} roots whose partitions have hotcaches)
 * @param cacheBytes the most the page cache keeps on disk
 * @param pageSize how much one ranged read fetches at least: a power of two of at least 4 KiB
 */
public record Reading(FetchMode fetch, long cacheBytes, int pageSize) {
    /** Where the page cache lives under a reader's cache directory (beside the full mode's generations). */
    static final String PAGES_DIRECTORY = "pages";

    public Reading {
        requireNonNull(fetch, "fetch is null");
        checkSizes(cacheBytes, pageSize);
    }

    /** The page cache's limits: a page a power of two of at least 4 KiB, the cache at least one page. */
    static void checkSizes(long cacheBytes, int pageSize) {
        if (pageSize < 4096 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("the page size must be a power of two of at least 4 KiB: " + pageSize);
        }
        if (cacheBytes < pageSize) {
            throw new IllegalArgumentException("the cache size " + cacheBytes + " is smaller than one page (" + pageSize + " bytes)");
        }
    }

    /** Auto mode, a 4 GiB page cache of 64 KiB pages. */
    public static Reading defaults() {
        return new Reading(FetchMode.AUTO, PageCache.DEFAULT_SIZE, PageCache.DEFAULT_PAGE_SIZE);
    }

    /** The page cache under {@code cacheRoot}; pages an earlier process left there are used (each checked first). */
    public PageCache openPageCache(Path cacheRoot) {
        return new PageCache(cacheRoot.resolve(PAGES_DIRECTORY), cacheBytes, pageSize);
    }
}
