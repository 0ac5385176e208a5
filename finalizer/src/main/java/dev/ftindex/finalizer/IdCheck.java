package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.AppendBase;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IdList;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import org.apache.lucene.util.BytesRef;

/**
 * Whether the ids of an append's new partitions are new: none may be in the base, and none in two
 * new partitions (each partition's own ids were checked by its worker). Reads the {@link IdList}
 * of every partition of both sides as a sorted stream and merges them, so it costs one pass over
 * a few bytes per id, memory for one buffer per partition, and never opens an index. Ids that
 * occur in two base partitions were there before this append and are not its concern.
 *
 * <p>The lists are read in ranged chunks ({@value #CHUNK} bytes), not as one open response per
 * partition: a thousand partitions must not hold a thousand connections.
 */
final class IdCheck {
    static final int CHUNK = 1 << 20;

    private IdCheck() {}

    /** One partition's list: where it is, and how to name the partition in a message. */
    record Source(String place, ObjectStore store, String key, FileEntry file, boolean appended) {
        Source {
            requireNonNull(place, "place is null");
        }
    }

    /** An id found in more than one place (at least one of them appended). */
    record Duplicate(String id, List<String> places) {}

    /**
     * @param ids how many distinct ids of the appended partitions occur in another partition
     * @param examples the first of them in byte order, with every place each occurs
     */
    record Found(long ids, List<Duplicate> examples) {
        boolean any() {
            return ids > 0;
        }

        /** "2 ids of the new input are already indexed: "a" in base generation g1 partition 0 and new partition 1; …". */
        String describe(String toAllow) {
            StringBuilder text = new StringBuilder().append(ids).append(ids == 1 ? " id" : " ids")
                    .append(" of the new input ").append(ids == 1 ? "is" : "are").append(" already indexed or occur in two new partitions");
            String separator = ": ";
            for (Duplicate duplicate : examples) {
                text.append(separator).append('"').append(duplicate.id()).append("\" in ").append(String.join(" and ", duplicate.places()));
                separator = "; ";
            }
            if (ids > examples.size()) {
                text.append("; and ").append(ids - examples.size()).append(" more");
            }
            return text.append(" (an id must be unique in a generation: remove them from the new input, or ").append(toAllow)
                    .append(" to index both; replacing a document of the base takes a full rebuild)").toString();
        }
    }

    /** The lists of {@code base}'s partitions and of the staged ones, appended after them. */
    static List<Source> sources(AppendBase base, ObjectStore index, List<PartitionManifest> staged) {
        List<Source> sources = new ArrayList<>();
        String baseName = base.index().generation() != null ? "base generation " + base.index().generation() : "the base";
        for (IndexMetadata.CommittedPartition partition : base.metadata().partitions()) {
            FileEntry list = idList(partition.files()).orElseThrow(() -> new ConflictException(base.index().describe() + " partition "
                    + partition.n() + " has no id list (" + IdList.NAME + ": it was built before ftindex wrote them), so the ids of the"
                    + " new input cannot be checked against it: compact the base once (compaction writes them), or pass"
                    + " --allow-duplicate-ids to append without the check"));
            sources.add(new Source(baseName + " partition " + partition.n(), base.root(), partition.key(list), list, false));
        }
        for (PartitionManifest manifest : staged) {
            FileEntry list = idList(manifest.files()).orElseThrow(() -> new ConflictException("staged partition " + manifest.partition()
                    + " has no id list (" + IdList.NAME + "): it was built by an older ftindex; rebuild it with this one"));
            sources.add(new Source("new partition " + manifest.partition(), index,
                    IndexLayout.stagedFileKey(manifest.partition(), manifest.attempt(), list.name()), list, true));
        }
        return sources;
    }

    private static Optional<FileEntry> idList(List<FileEntry> files) {
        return files.stream().filter(file -> file.name().equals(IdList.NAME)).findFirst();
    }

    /** Merges the lists; {@code examples} caps the duplicates named. */
    static Found run(List<Source> sources, int examples) {
        List<Cursor> cursors = new ArrayList<>();
        PriorityQueue<Cursor> queue = new PriorityQueue<>(Comparator.comparing((Cursor cursor) -> cursor.current)
                .thenComparingInt(cursor -> cursor.order));
        try {
            for (Source source : sources) {
                Cursor cursor = new Cursor(source, cursors.size());
                cursors.add(cursor);
                if (cursor.advance()) {
                    queue.add(cursor);
                }
            }
            long ids = 0;
            List<Duplicate> found = new ArrayList<>();
            List<Cursor> same = new ArrayList<>();
            while (!queue.isEmpty()) {
                same.clear();
                Cursor first = queue.poll();
                same.add(first);
                while (!queue.isEmpty() && queue.peek().current.equals(first.current)) {
                    same.add(queue.poll());
                }
                if (same.size() > 1 && same.stream().anyMatch(cursor -> cursor.source.appended())) {
                    ids++;
                    if (found.size() < examples) {
                        found.add(new Duplicate(first.current.utf8ToString(), same.stream().map(cursor -> cursor.source.place()).toList()));
                    }
                }
                for (Cursor cursor : same) {
                    if (cursor.advance()) {
                        queue.add(cursor);
                    }
                }
            }
            return new Found(ids, List.copyOf(found));
        } catch (IOException e) {
            throw new UncheckedIOException("reading the id lists failed: " + e.getMessage(), e);
        } finally {
            for (Cursor cursor : cursors) {
                cursor.close();
            }
        }
    }

    /** One list being read: its current id, a copy (the reader reuses its buffer). */
    private static final class Cursor {
        final Source source;
        final int order;
        final IdList.Reader reader;
        BytesRef current;

        Cursor(Source source, int order) throws IOException {
            this.source = source;
            this.order = order;
            this.reader = IdList.read(new Chunks(source.store(), source.key(), source.file().size()),
                    source.store().location() + source.key(), source.file().checksum());
        }

        boolean advance() throws IOException {
            BytesRef next = reader.next();
            current = next == null ? null : BytesRef.deepCopyOf(next);
            return current != null;
        }

        void close() {
            try {
                reader.close();
            } catch (IOException ignored) {
                // Nothing is held open between chunks.
            }
        }
    }

    /** An object read front to back in ranged requests of {@link #CHUNK} bytes: no response stays open between them. */
    private static final class Chunks extends InputStream {
        private final ObjectStore store;
        private final String key;
        private final long size;
        private byte[] chunk = new byte[0];
        private int position;
        private long fetched;

        Chunks(ObjectStore store, String key, long size) {
            this.store = store;
            this.key = key;
            this.size = size;
        }

        private boolean fill() throws IOException {
            if (position < chunk.length) {
                return true;
            }
            if (fetched >= size) {
                return false;
            }
            int length = (int) Math.min(CHUNK, size - fetched);
            try (ObjectStream in = store.get(key, ByteRange.of(fetched, length))) {
                chunk = in.readNBytes(length);
            }
            if (chunk.length != length) {
                throw new IOException(store.location() + key + " ended at byte " + (fetched + chunk.length) + " of " + size);
            }
            fetched += length;
            position = 0;
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? chunk[position++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(length, chunk.length - position);
            System.arraycopy(chunk, position, buffer, offset, n);
            position += n;
            return n;
        }
    }
}
