package dev.ftindex.search.testing;

import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.format.IndexMetadata.CommittedPartition;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import java.io.IOException;
import java.util.Comparator;

/** Damage done to a committed index in its store, after the commit, as a faulty disk or a bad copy would. */
public final class Damage {
    private Damage() {}

    /** Where a byte was flipped: the file's key under the index root and the offset in it. */
    public record FlippedByte(CommittedPartition partition, FileEntry file, long offset) {
        public String key() {
            return partition.key(file);
        }
    }

    /**
     * Flips a byte near the middle of the postings of {@code partition} (the {@code .doc} entry of
     * its compound file, which the queries of a test read; the middle of the largest file when the
     * partition is not compound), in a block its hotcache does not pin (pinned blocks are read from
     * the hotcache, never from the file), so only the reads of that page find it.
     */
    public static FlippedByte flipUnpinnedMiddleByte(ObjectStore root, IndexMetadata metadata, int partition) throws IOException {
        CommittedPartition committed = metadata.partitions().get(partition);
        FileEntry largest = committed.files().stream().max(Comparator.comparingLong(FileEntry::size)).orElseThrow();
        FileEntry hotcacheEntry = committed.files().stream().filter(file -> file.name().equals(Hotcache.NAME)).findFirst().orElseThrow();
        Hotcache hotcache;
        try (ObjectStream in = root.get(committed.key(hotcacheEntry))) {
            hotcache = Hotcache.parse(in.readAllRemaining(), "test");
        }
        long at = largest.size() / 2;
        if (largest.name().endsWith(".cfs")) {
            FileEntry entries = committed.files().stream().filter(file -> file.name().equals(largest.name().replace(".cfs", ".cfe")))
                    .findFirst().orElseThrow();
            try (ObjectStream in = root.get(committed.key(entries))) {
                long[] postings = compoundEntry(in.readAllRemaining(), ".doc");
                at = postings[0] + postings[1] / 2;
            }
        }
        while (hotcache.files().get(largest.name()).pinned().containsKey((int) (at / hotcache.blockSize()))) {
            at += hotcache.blockSize();
        }
        flipByte(root, committed.key(largest), at);
        return new FlippedByte(committed, largest, at);
    }

    /** The offset and length of entry {@code suffix} in a compound file, from its entries file ({@code .cfe}, Lucene90 format). */
    private static long[] compoundEntry(byte[] cfe, String suffix) throws IOException {
        org.apache.lucene.store.ByteArrayDataInput in = new org.apache.lucene.store.ByteArrayDataInput(cfe);
        in.skipBytes(org.apache.lucene.codecs.CodecUtil.indexHeaderLength("Lucene90CompoundEntries", ""));
        int count = in.readVInt();
        for (int i = 0; i < count; i++) {
            String name = in.readString();
            long offset = in.readLong();
            long length = in.readLong();
            if (name.endsWith(suffix)) {
                return new long[] {offset, length};
            }
        }
        throw new IOException("the compound file has no " + suffix + " entry");
    }

    /** Rewrites object {@code key} with the byte at {@code at} changed. */
    public static void flipByte(ObjectStore root, String key, long at) throws IOException {
        byte[] bytes;
        try (ObjectStream in = root.get(key)) {
            bytes = in.readAllRemaining();
        }
        bytes[(int) at] ^= 0x5a;
        root.put(key, Payload.of(bytes));
    }
}
