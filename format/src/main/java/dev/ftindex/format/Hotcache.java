package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.store.ByteArrayDataInput;
import org.apache.lucene.store.DataInput;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;

/**
 * What a reader needs to search a partition where it lies in object storage, in one file the
 * worker writes beside the partition's Lucene files ({@value #NAME}) and that is staged, copied and
 * listed like them, so the finalizer never reads it and its footer checksum is in the commit:
 *
 * <ul>
 *   <li>the CRC32C of every {@link #blockSize} block of every other file of the partition, which a
 *       reader checks every ranged read against before it uses or caches a byte (object stores do not
 *       validate ranged reads);
 *   <li>the bytes of the blocks that opening the partition, seeking one term in every indexed
 *       field and reading every norm touch (Quickwit's "hotcache"): a reader fetches this file with
 *       one request and holds those blocks in memory, so opening a partition costs one request.
 * </ul>
 *
 * <p>Layout: a Lucene codec header ({@value #CODEC}, version 1), the block size, the files (name,
 * length, one int CRC32C per block), the pinned blocks (file number, block number, bytes) and a
 * Lucene footer. A partition committed before this file existed has none: readers download it
 * whole instead (docs/FORMAT.md).
 */
public final class Hotcache {
    /** The file's name in a partition. */
    public static final String NAME = "ftindex.hotcache";
    static final String CODEC = "FtindexHotcache";
    static final int VERSION = 1;
    /** The checksum granularity: small enough that a cold query's reads verify without reading more. */
    public static final int DEFAULT_BLOCK_SIZE = 4096;

    private final int blockSize;
    private final Map<String, FileBlocks> files;

    /**
     * @param crcs the CRC32C of each block, in order
     * @param pinned the bytes of the pinned blocks, by block number
     */
    public record FileBlocks(String name, long length, int[] crcs, Map<Integer, byte[]> pinned) {
        public FileBlocks {
            requireNonNull(name, "name is null");
            requireNonNull(crcs, "crcs is null");
            pinned = Collections.unmodifiableMap(new TreeMap<>(pinned));
        }
    }

    private Hotcache(int blockSize, Map<String, FileBlocks> files) {
        this.blockSize = blockSize;
        this.files = Collections.unmodifiableMap(new TreeMap<>(files));
    }

    public int blockSize() {
        return blockSize;
    }

    /** Every file of the partition but this one, by name. */
    public Map<String, FileBlocks> files() {
        return files;
    }

    /**
     * Whether {@code bytes}, read from {@code start} of a file, are what its blocks say: {@code
     * expectedLength} of them, and every block's checksum (the one test of a ranged read, which
     * object stores do not validate). {@code start} is a multiple of {@code blockSize}.
     */
    public static boolean verifies(FileBlocks blocks, int blockSize, long start, byte[] bytes, long expectedLength) {
        if (bytes.length != expectedLength) {
            return false;
        }
        int firstBlock = (int) (start / blockSize);
        for (int offset = 0, block = firstBlock; offset < bytes.length; offset += blockSize, block++) {
            int n = Math.min(blockSize, bytes.length - offset);
            if (block >= blocks.crcs().length || crc(bytes, offset, n) != blocks.crcs()[block]) {
                return false;
            }
        }
        return true;
    }

    /** What a page of {@code description} that failed {@link #verifies} twice is called in every error. */
    public static String pageMismatch(String description, long page, int pageSize, long fileLength) {
        long start = page * pageSize;
        return description + ": page " + page + " (bytes " + start + " to " + Math.min(fileLength, start + pageSize)
                + ") does not match its checksum in the partition's hotcache, twice";
    }

    /** The CRC32C of {@code length} bytes: the one block checksum writers and readers compute. */
    public static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    /**
     * Writes the hotcache of {@code directory}'s files into it.
     *
     * @param pinnedBlocks which blocks to pin, by file name
     * @return the size of the written file
     */
    public static long write(Directory directory, List<String> names, int blockSize, Map<String, ? extends BitSet> pinnedBlocks)
            throws IOException {
        return write(directory, names, blockSize, pinnedBlocks, Map.of());
    }

    /**
     * Writes the hotcache of {@code directory}'s files into it, taking the checksums and pinned
     * bytes of the files in {@code known} from there rather than reading them: a new commit of a
     * partition whose files are read where they lie carries its unchanged files' blocks over.
     *
     * @param known blocks of unchanged files (of this block size), by name; a file of another
     *     length is read as if it were not there
     * @return the size of the written file
     */
    public static long write(Directory directory, List<String> names, int blockSize, Map<String, ? extends BitSet> pinnedBlocks,
                             Map<String, FileBlocks> known) throws IOException {
        List<String> sorted = new ArrayList<>(names);
        sorted.remove(NAME);
        sorted.sort(null);
        try (IndexOutput out = directory.createOutput(NAME, IOContext.DEFAULT)) {
            CodecUtil.writeHeader(out, CODEC, VERSION);
            out.writeVInt(blockSize);
            out.writeVInt(sorted.size());
            byte[] buffer = new byte[blockSize];
            for (String name : sorted) {
                FileBlocks carried = known.get(name);
                if (carried != null && carried.length() == directory.fileLength(name)) {
                    out.writeString(name);
                    out.writeVLong(carried.length());
                    for (int crc : carried.crcs()) {
                        out.writeInt(crc);
                    }
                    continue;
                }
                try (IndexInput in = directory.openInput(name, IOContext.READONCE)) {
                    long length = in.length();
                    out.writeString(name);
                    out.writeVLong(length);
                    for (long start = 0; start < length; start += blockSize) {
                        int n = (int) Math.min(blockSize, length - start);
                        in.readBytes(buffer, 0, n);
                        out.writeInt(crc(buffer, 0, n));
                    }
                }
            }
            int pinnedCount = 0;
            for (String name : sorted) {
                BitSet blocks = pinnedBlocks.get(name);
                pinnedCount += blocks == null ? 0 : blocks.cardinality();
            }
            out.writeVInt(pinnedCount);
            for (int f = 0; f < sorted.size(); f++) {
                BitSet blocks = pinnedBlocks.get(sorted.get(f));
                if (blocks == null) {
                    continue;
                }
                FileBlocks carried = known.get(sorted.get(f));
                try (IndexInput in = directory.openInput(sorted.get(f), IOContext.READONCE)) {
                    for (int block = blocks.nextSetBit(0); block >= 0; block = blocks.nextSetBit(block + 1)) {
                        long start = (long) block * blockSize;
                        int n = (int) Math.min(blockSize, in.length() - start);
                        byte[] bytes = carried == null || carried.length() != in.length() ? null : carried.pinned().get(block);
                        if (bytes == null) {
                            in.seek(start);
                            in.readBytes(buffer, 0, n);
                            bytes = buffer;
                        }
                        out.writeVInt(f);
                        out.writeVInt(block);
                        out.writeBytes(bytes, 0, n);
                    }
                }
            }
            CodecUtil.writeFooter(out);
            return out.getFilePointer();
        }
    }

    /**
     * Reads the hotcache {@code entry} of a committed partition from {@code store} and checks it
     * against the commit (size and footer checksum) before it parses it.
     *
     * @param where how errors name the partition: "generation &lt;id&gt; part_3"
     * @throws CorruptIndexException if it is missing, does not match the commit or is not a hotcache
     */
    public static Hotcache read(ObjectStore store, String key, FileEntry entry, String where) {
        byte[] bytes;
        try (ObjectStream stream = store.get(key)) {
            bytes = stream.readAllRemaining();
        } catch (ObjectNotFoundException e) {
            throw unusable(where, store.location() + key + ": missing");
        } catch (IOException e) {
            throw new UncheckedIOException(where + ": cannot read " + store.location() + key + ": " + e.getMessage(), e);
        }
        try {
            LuceneFiles.Verified verified = LuceneFiles.verify(new ByteArrayInputStream(bytes));
            Optional<String> difference = verified.differenceFrom(entry.size(), entry.checksum(), "the metadata");
            if (difference.isPresent()) {
                throw unusable(where, store.location() + key + ": " + difference.get());
            }
        } catch (IOException | FormatException e) {
            throw unusable(where, store.location() + key + ": " + e.getMessage());
        }
        try {
            return parse(bytes, store.location() + key);
        } catch (FormatException e) {
            throw unusable(where, e.getMessage());
        }
    }

    private static CorruptIndexException unusable(String where, String problem) {
        return new CorruptIndexException("the hotcache of " + where + " cannot be used", List.of(problem));
    }

    /**
     * Parses a hotcache whose bytes were already checked against the commit (size and footer
     * checksum).
     *
     * @throws FormatException naming {@code where} if the bytes are not a hotcache
     */
    public static Hotcache parse(byte[] bytes, String where) {
        try {
            DataInput in = new ByteArrayDataInput(bytes, 0, bytes.length - LuceneFiles.FOOTER_LENGTH);
            CodecUtil.checkHeader(in, CODEC, VERSION, VERSION);
            int blockSize = in.readVInt();
            if (blockSize < 512 || Integer.bitCount(blockSize) != 1) {
                throw new FormatException(where + ": block size " + blockSize + " is not a power of two of at least 512");
            }
            int count = in.readVInt();
            List<String> names = new ArrayList<>(count);
            List<Long> lengths = new ArrayList<>(count);
            List<int[]> crcs = new ArrayList<>(count);
            List<Map<Integer, byte[]>> pinned = new ArrayList<>(count);
            for (int f = 0; f < count; f++) {
                names.add(IndexLayout.checkFileName(in.readString()));
                long length = in.readVLong();
                long blocks = (length + blockSize - 1) / blockSize;
                if (length < 0 || blocks > bytes.length / 4) {
                    throw new FormatException(where + ": file " + names.get(f) + " claims " + length + " bytes");
                }
                int[] fileCrcs = new int[(int) blocks];
                for (int b = 0; b < fileCrcs.length; b++) {
                    fileCrcs[b] = in.readInt();
                }
                lengths.add(length);
                crcs.add(fileCrcs);
                pinned.add(new TreeMap<>());
            }
            int pinnedCount = in.readVInt();
            for (int p = 0; p < pinnedCount; p++) {
                int f = in.readVInt();
                int block = in.readVInt();
                if (f >= count || block >= crcs.get(f).length) {
                    throw new FormatException(where + ": pinned block " + f + "/" + block + " is outside the files");
                }
                int n = (int) Math.min(blockSize, lengths.get(f) - (long) block * blockSize);
                byte[] data = new byte[n];
                in.readBytes(data, 0, n);
                if (crc(data, 0, n) != crcs.get(f)[block]) {
                    throw new FormatException(where + ": pinned block " + block + " of " + names.get(f) + " does not match its checksum");
                }
                pinned.get(f).put(block, data);
            }
            Map<String, FileBlocks> files = new TreeMap<>();
            for (int f = 0; f < count; f++) {
                files.put(names.get(f), new FileBlocks(names.get(f), lengths.get(f), crcs.get(f), pinned.get(f)));
            }
            return new Hotcache(blockSize, files);
        } catch (IOException | RuntimeException e) {
            if (e instanceof FormatException format) {
                throw format;
            }
            throw new FormatException(where + ": not a readable hotcache: " + e.getMessage(), e);
        }
    }
}
