package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.PreconditionFailedException;
import dev.ftindex.objectstore.RangedObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One committed file read where it lies: its key, its block checksums and pinned blocks (from the
 * partition's {@link Hotcache}), and how its pages are fetched and checked.
 *
 * @param description "generation &lt;id&gt; part_3/_0.cfs": how every error names it
 * @param cacheId what the page cache files it under: a digest of the store, key, size and checksum,
 *     so a file replaced under the same key is never mixed with the old one's pages
 * @param object the file's object, read in ranges of the version its first read saw (a replaced object is
 *     an error rather than a mix of two versions' bytes)
 */
record RemoteFile(RangedObject object, String description, String cacheId, FileEntry entry, int blockSize, Hotcache.FileBlocks blocks) {

    RemoteFile {
        requireNonNull(object, "object is null");
        requireNonNull(blocks, "blocks is null");
        if (blocks.length() != entry.size()) {
            throw new IllegalArgumentException(description + ": the hotcache says " + blocks.length() + " bytes, the commit " + entry.size());
        }
    }

    static RemoteFile of(ObjectStore store, String key, String description, FileEntry entry, Hotcache hotcache) {
        Hotcache.FileBlocks blocks = hotcache.files().get(entry.name());
        if (blocks == null) {
            throw new IllegalArgumentException(description + ": the partition's hotcache does not list it");
        }
        return new RemoteFile(new RangedObject(store, key), description, cacheId(store.location() + key, entry), entry, hotcache.blockSize(),
                blocks);
    }

    private static String cacheId(String where, FileEntry entry) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((where + "\n" + entry.size() + "\n" + entry.checksum()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    long length() {
        return entry.size();
    }

    /** The pinned block {@code block}, or null. */
    byte[] pinned(long block) {
        return blocks.pinned().get((int) block);
    }

    /** Whether every block of cache page {@code page} is pinned (the page is never fetched). */
    boolean fullyPinned(long page, int pageSize) {
        long firstBlock = page * pageSize / blockSize;
        long endBlock = Math.min(blocks.crcs().length, (page + 1) * pageSize / blockSize);
        for (long block = firstBlock; block < endBlock; block++) {
            if (!blocks.pinned().containsKey((int) block)) {
                return false;
            }
        }
        return firstBlock < endBlock;
    }

    /**
     * Fetches {@code count} pages from {@code first} with one ranged read. Always {@code count}
     * pages: when the object is shorter than the commit says (truncated or replaced), the pages it
     * lacks come back short or empty, and fail {@link #verifies} like any other damage.
     */
    List<byte[]> fetchPages(long first, int count, int pageSize) throws IOException {
        long start = first * pageSize;
        long end = Math.min(length(), (first + count) * (long) pageSize);
        byte[] bytes;
        try {
            bytes = object.read(start, (int) (end - start));
        } catch (PreconditionFailedException e) {
            throw CorruptIndexException.replacedWhileRead(description, object, e);
        }
        List<byte[]> pages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int from = Math.min(bytes.length, i * pageSize);
            pages.add(java.util.Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + pageSize)));
        }
        return pages;
    }

    /** Whether {@code bytes} are page {@code page}: its length, and the checksum of every block in it. */
    boolean verifies(long page, int pageSize, byte[] bytes) {
        long start = page * pageSize;
        return Hotcache.verifies(blocks, blockSize, start, bytes, Math.min(pageSize, length() - start));
    }

    /** The error for a page that failed its checksum twice: names the generation, file and page. */
    PageCorruptException corruptPage(long page, int pageSize) {
        return new PageCorruptException(Hotcache.pageMismatch(description, page, pageSize, length()));
    }

    @Override
    public String toString() {
        return description;
    }
}
