package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.format.IndexMetadata.CommittedPartition;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.PreconditionFailedException;
import dev.ftindex.objectstore.RangedObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.store.BufferedIndexInput;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.Lock;

/**
 * A committed base partition as an index writer sees it, without downloading it: the partition's
 * files are read where they lie, in pages whose every block is checked against the partition's
 * {@link Hotcache} before it is used (the blocks the hotcache pins are never fetched), and every
 * file the writer makes goes to a local directory. Deleting a base file only hides it here: the
 * base is never written. An update that deletes a few documents of a large partition so reads
 * the partition's headers, the id field's terms it looks up and the id list, not the partition.
 *
 * <p>Pages read are kept in memory up to {@link #CACHE_BYTES}, least recently used first out.
 */
final class BasePartitionDirectory extends Directory {
    /** One ranged read: a few sorted term lookups of a partition fall in one of them. */
    static final int PAGE_SIZE = 256 * 1024;
    static final long CACHE_BYTES = 32L * 1024 * 1024;

    private final String description;
    private final Map<String, BaseFile> base;
    private final Set<String> hidden = ConcurrentHashMap.newKeySet();
    private final FSDirectory local;
    private final Map<PageKey, byte[]> pages = new LinkedHashMap<>(64, 0.75f, true);
    private long cachedBytes;
    private long fetches;
    private long fetchedBytes;

    private record PageKey(String file, long page) {}

    /** A base file: its object, its length and its block checksums and pinned blocks. */
    private record BaseFile(String description, RangedObject object, long length, int blockSize, Hotcache.FileBlocks blocks) {}

    private BasePartitionDirectory(String description, Map<String, BaseFile> base, FSDirectory local) {
        this.description = description;
        this.base = base;
        this.local = local;
    }

    /**
     * The partition's files in {@code store}, with {@code hotcache} (read and checked against the
     * commit), over {@code local} for what is written.
     *
     * @throws CorruptIndexException if the hotcache does not describe the committed files
     */
    static BasePartitionDirectory open(ObjectStore store, CommittedPartition partition, Hotcache hotcache, String where, FSDirectory local) {
        requireNonNull(local, "local is null");
        if (PAGE_SIZE % hotcache.blockSize() != 0) {
            throw new CorruptIndexException("the hotcache of " + where + " cannot be used",
                    List.of("its blocks of " + hotcache.blockSize() + " bytes do not divide pages of " + PAGE_SIZE));
        }
        Map<String, BaseFile> files = new TreeMap<>();
        for (FileEntry file : partition.files()) {
            if (file.name().equals(Hotcache.NAME)) {
                // What this directory reads by, read already; the new commit writes a hotcache of its own.
                continue;
            }
            Hotcache.FileBlocks blocks = hotcache.files().get(file.name());
            if (blocks == null || blocks.length() != file.size()) {
                throw new CorruptIndexException("the hotcache of " + where + " cannot be used", List.of(file.name() + ": "
                        + (blocks == null ? "not listed" : blocks.length() + " bytes, the commit says " + file.size())));
            }
            files.put(file.name(), new BaseFile(where + "/" + file.name(), new RangedObject(store, partition.key(file)), file.size(),
                    hotcache.blockSize(), blocks));
        }
        return new BasePartitionDirectory(where, files, local);
    }

    /** The base's blocks of its files still here, by name: what a new hotcache carries over. */
    Map<String, Hotcache.FileBlocks> carried() {
        Map<String, Hotcache.FileBlocks> carried = new TreeMap<>();
        base.forEach((name, file) -> {
            if (!hidden.contains(name)) {
                carried.put(name, file.blocks());
            }
        });
        return carried;
    }

    /** Ranged reads made, and their bytes. */
    synchronized long[] fetched() {
        return new long[] {fetches, fetchedBytes};
    }

    private boolean inBase(String name) {
        return base.containsKey(name) && !hidden.contains(name) && !localHas(name);
    }

    /** Whether the writer made {@code name} here (a file, not a listing: an index writer asks this for every file it opens). */
    private boolean localHas(String name) {
        return Files.exists(local.getDirectory().resolve(name));
    }

    @Override
    public String[] listAll() throws IOException {
        Set<String> names = new TreeSet<>();
        base.keySet().stream().filter(name -> !hidden.contains(name)).forEach(names::add);
        names.addAll(List.of(local.listAll()));
        return names.toArray(String[]::new);
    }

    @Override
    public void deleteFile(String name) throws IOException {
        if (localHas(name)) {
            local.deleteFile(name);
        } else if (base.containsKey(name) && hidden.add(name)) {
            return;
        } else {
            throw new NoSuchFileException(description + "/" + name);
        }
    }

    @Override
    public long fileLength(String name) throws IOException {
        if (inBase(name)) {
            return base.get(name).length();
        }
        return local.fileLength(name);
    }

    @Override
    public IndexOutput createOutput(String name, IOContext context) throws IOException {
        if (inBase(name)) {
            throw new FileAlreadyExistsException(description + "/" + name);
        }
        return local.createOutput(name, context);
    }

    @Override
    public IndexOutput createTempOutput(String prefix, String suffix, IOContext context) throws IOException {
        return local.createTempOutput(prefix, suffix, context);
    }

    @Override
    public void sync(Collection<String> names) throws IOException {
        local.sync(names.stream().filter(this::localHas).toList());
    }

    @Override
    public void syncMetaData() throws IOException {
        local.syncMetaData();
    }

    @Override
    public void rename(String source, String dest) throws IOException {
        if (inBase(dest)) {
            throw new FileAlreadyExistsException(description + "/" + dest);
        }
        local.rename(source, dest);
    }

    @Override
    public IndexInput openInput(String name, IOContext context) throws IOException {
        if (!inBase(name)) {
            return local.openInput(name, context);
        }
        BaseFile file = base.get(name);
        return new BaseInput(file, 0, file.length());
    }

    @Override
    public Lock obtainLock(String name) throws IOException {
        return local.obtainLock(name);
    }

    @Override
    public void close() throws IOException {
        local.close();
        synchronized (this) {
            pages.clear();
        }
    }

    @Override
    public Set<String> getPendingDeletions() throws IOException {
        return local.getPendingDeletions();
    }

    @Override
    public String toString() {
        return description + " (read where it lies, written to " + local.getDirectory() + ")";
    }

    /** Copies {@code length} bytes of {@code file} from {@code at}: pinned blocks from the hotcache, the rest from pages. */
    private void copy(BaseFile file, long at, ByteBuffer target, int length) throws IOException {
        while (length > 0) {
            long block = at / file.blockSize();
            byte[] bytes = file.blocks().pinned().get((int) block);
            long start = block * file.blockSize();
            if (bytes == null) {
                long page = at / PAGE_SIZE;
                bytes = page(file, page);
                start = page * PAGE_SIZE;
            }
            int n = (int) Math.min(length, start + bytes.length - at);
            target.put(bytes, (int) (at - start), n);
            at += n;
            length -= n;
        }
    }

    private byte[] page(BaseFile file, long page) throws IOException {
        PageKey key = new PageKey(file.description(), page);
        synchronized (this) {
            byte[] cached = pages.get(key);
            if (cached != null) {
                return cached;
            }
        }
        byte[] bytes = fetch(file, page);
        if (!verifies(file, page, bytes)) {
            bytes = fetch(file, page);
            if (!verifies(file, page, bytes)) {
                throw new CorruptIndexException(Hotcache.pageMismatch(file.description(), page, PAGE_SIZE, file.length()),
                        List.of(file.object().toString()));
            }
        }
        synchronized (this) {
            if (pages.put(key, bytes) == null) {
                cachedBytes += bytes.length;
            }
            var eldest = pages.entrySet().iterator();
            while (cachedBytes > CACHE_BYTES && eldest.hasNext()) {
                cachedBytes -= eldest.next().getValue().length;
                eldest.remove();
            }
        }
        return bytes;
    }

    private byte[] fetch(BaseFile file, long page) throws IOException {
        long start = page * PAGE_SIZE;
        int length = (int) Math.min(PAGE_SIZE, file.length() - start);
        try {
            byte[] bytes = file.object().read(start, length);
            synchronized (this) {
                fetches++;
                fetchedBytes += bytes.length;
            }
            return bytes;
        } catch (PreconditionFailedException e) {
            throw CorruptIndexException.replacedWhileRead(file.description(), file.object(), e);
        }
    }

    private static boolean verifies(BaseFile file, long page, byte[] bytes) {
        long start = page * PAGE_SIZE;
        return Hotcache.verifies(file.blocks(), file.blockSize(), start, bytes, Math.min(PAGE_SIZE, file.length() - start));
    }

    /** A slice of a base file; clones and slices share the directory's pages. */
    private final class BaseInput extends BufferedIndexInput {
        private final BaseFile file;
        private final long offset;
        private final long length;

        BaseInput(BaseFile file, long offset, long length) {
            super(file.description(), BufferedIndexInput.BUFFER_SIZE);
            this.file = file;
            this.offset = offset;
            this.length = length;
        }

        @Override
        protected void readInternal(ByteBuffer b) throws IOException {
            long at = getFilePointer();
            int n = b.remaining();
            if (at + n > length) {
                throw new java.io.EOFException("read past the end of " + this + ": " + n + " byte(s) at " + at + ", length " + length);
            }
            copy(file, offset + at, b, n);
        }

        @Override
        protected void seekInternal(long pos) throws IOException {
            if (pos > length) {
                throw new java.io.EOFException("seek past the end of " + this + ": " + pos + ", length " + length);
            }
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public IndexInput slice(String sliceDescription, long sliceOffset, long sliceLength) throws IOException {
            if (sliceOffset < 0 || sliceLength < 0 || sliceOffset + sliceLength > length) {
                throw new IllegalArgumentException("slice " + sliceDescription + " out of bounds of " + this);
            }
            return new BaseInput(file, offset + sliceOffset, sliceLength);
        }

        @Override
        public void close() {}
    }
}
