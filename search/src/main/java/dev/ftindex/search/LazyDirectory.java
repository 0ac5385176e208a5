package dev.ftindex.search;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexMetadata.CommittedPartition;
import dev.ftindex.objectstore.ObjectStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.lucene.store.BaseDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.NoLockFactory;

/**
 * One committed partition as a read-only Lucene directory over the object store: what files there
 * are and how long comes from the commit, the bytes from ranged reads of pages checked against
 * the partition's {@link Hotcache}. Opening it costs one request (the hotcache, checked whole
 * against the commit's size and footer checksum); its pinned blocks answer everything Lucene reads
 * to open the partition.
 */
final class LazyDirectory extends BaseDirectory {
    private final Map<String, RemoteFile> files;
    private final PageCache cache;
    private final String description;

    private LazyDirectory(String description, Map<String, RemoteFile> files, PageCache cache) {
        super(NoLockFactory.INSTANCE);
        this.description = description;
        this.files = files;
        this.cache = cache;
    }

    /**
     * Whether {@code partition} can be read lazily: it has a hotcache (a partition committed by
     * ftindex 0.1 has none, and is downloaded whole instead).
     */
    static boolean hasHotcache(CommittedPartition partition) {
        return partition.files().stream().anyMatch(file -> file.name().equals(Hotcache.NAME));
    }

    /**
     * Opens partition {@code partition} of {@code metadata} with one request.
     *
     * @throws CorruptIndexException if the hotcache is missing, damaged or does
     *     not describe the committed files
     */
    static LazyDirectory open(ObjectStore store, IndexMetadata metadata, CommittedPartition partition, PageCache cache) {
        String where = "generation " + metadata.indexId() + " part_" + partition.n();
        FileEntry hotcacheEntry = partition.files().stream().filter(file -> file.name().equals(Hotcache.NAME)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(where + " has no " + Hotcache.NAME + ": read it with --fetch full"));
        Hotcache hotcache = Hotcache.read(store, partition.key(hotcacheEntry), hotcacheEntry, where);
        if (hotcache.blockSize() > cache.pageSize()) {
            throw new IllegalArgumentException(where + ": its checksums cover " + hotcache.blockSize()
                    + "-byte blocks, larger than the cache's " + cache.pageSize() + "-byte pages");
        }
        Map<String, RemoteFile> files = new TreeMap<>();
        for (FileEntry file : partition.files()) {
            if (file.name().equals(Hotcache.NAME)) {
                continue;
            }
            try {
                files.put(file.name(), RemoteFile.of(store, partition.key(file), where + "/" + file.name(), file, hotcache));
            } catch (IllegalArgumentException e) {
                throw corrupt(where, e.getMessage());
            }
        }
        return new LazyDirectory(where, files, cache);
    }

    private static CorruptIndexException corrupt(String where, String problem) {
        return new CorruptIndexException("the hotcache of " + where + " cannot be used", List.of(problem));
    }

    @Override
    public String[] listAll() {
        return files.keySet().toArray(String[]::new);
    }

    @Override
    public long fileLength(String name) throws IOException {
        return file(name).length();
    }

    @Override
    public IndexInput openInput(String name, IOContext context) throws IOException {
        RemoteFile file = file(name);
        return new LazyInput(file.description(), file, cache, 0, file.length());
    }

    private RemoteFile file(String name) throws FileNotFoundException {
        RemoteFile file = files.get(name);
        if (file == null) {
            throw new FileNotFoundException(description + " has no file " + name);
        }
        return file;
    }

    @Override
    public Set<String> getPendingDeletions() {
        return Set.of();
    }

    private UnsupportedOperationException readOnly() {
        return new UnsupportedOperationException(description + " is a committed partition: read-only");
    }

    @Override
    public void deleteFile(String name) {
        throw readOnly();
    }

    @Override
    public IndexOutput createOutput(String name, IOContext context) {
        throw readOnly();
    }

    @Override
    public IndexOutput createTempOutput(String prefix, String suffix, IOContext context) {
        throw readOnly();
    }

    @Override
    public void sync(Collection<String> names) {
        throw readOnly();
    }

    @Override
    public void syncMetaData() {
        throw readOnly();
    }

    @Override
    public void rename(String source, String dest) {
        throw readOnly();
    }

    @Override
    public void close() {
        isOpen = false;
    }

    @Override
    public String toString() {
        return "LazyDirectory(" + description + ")";
    }
}
