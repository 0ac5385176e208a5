package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.AppendBase;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IdList;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.RangedObject;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefBuilder;

/**
 * Whether every id of a generation's new partitions is unique in it: none may be in two staged
 * partitions, and for an append none may be in the base. Reads the {@link IdList} of every
 * partition as a sorted stream and merges them, so it costs one pass over a few bytes per id,
 * a bounded buffer per partition, and never opens an index. Ids that occur in two base partitions
 * were there before this append and are not its concern; ids that occur twice in one partition
 * were its worker's (each list holds distinct ids).
 *
 * <p>The lists are read in ranged chunks, never as one open response per partition: a thousand
 * partitions must not hold a thousand connections. Each list has two chunks at most in memory,
 * the one being merged and the next, which is fetched on {@code pool} as soon as the one before
 * it is taken, so the merge rarely waits for the store; the chunk size shrinks with the partition
 * count so that all of them together stay within {@value #BUDGET} bytes (never under
 * {@value #MIN_CHUNK} bytes a chunk). The first chunks of every list are requested at once: with a
 * thousand partitions, the check's first round is one round trip, not a thousand.
 */
final class IdCheck {
    static final int MAX_CHUNK = 1 << 20;
    static final int MIN_CHUNK = 16 << 10;
    static final long BUDGET = 64L << 20;

    private IdCheck() {}

    /** What a list is of: a base partition, a staged (new) partition, or the ids an update deletes. */
    enum Kind { BASE, STAGED, DELETES }

    /**
     * One list: where it is, how to name it in a message, what it is of, and (where the manifest
     * knows them) the input files its documents came from.
     *
     * @param basePartition for a base partition's list, its number
     */
    record Source(String place, ObjectStore store, String key, FileEntry file, Kind kind, Integer basePartition, List<String> inputFiles) {
        Source {
            requireNonNull(place, "place is null");
            requireNonNull(kind, "kind is null");
            inputFiles = inputFiles == null ? List.of() : List.copyOf(inputFiles);
        }

        Source(String place, ObjectStore store, String key, FileEntry file, boolean appended, List<String> inputFiles) {
            this(place, store, key, file, appended ? Kind.STAGED : Kind.BASE, null, inputFiles);
        }

        /** Whether the partition is new in this generation (staged), not copied from a base. */
        boolean appended() {
            return kind == Kind.STAGED;
        }

        /** "new partition 3 (input a.jsonl)" */
        String named() {
            if (inputFiles.isEmpty()) {
                return place;
            }
            List<String> shown = inputFiles.subList(0, Math.min(3, inputFiles.size()));
            return place + " (input " + String.join(", ", shown) + (inputFiles.size() > shown.size() ? ", …" : "") + ")";
        }
    }

    /** An id found in more than one place (at least one of them new). */
    record Duplicate(String id, List<String> places) {}

    /**
     * @param ids how many distinct ids of the new partitions occur in another partition
     * @param examples the first of them in byte order, with every place each occurs
     * @param listed ids in all the lists read, each list's own count
     * @param requests ranged reads made
     * @param bytes bytes read
     */
    record Found(long ids, List<Duplicate> examples, long listed, long requests, long bytes) {
        boolean any() {
            return ids > 0;
        }

        /**
         * For an append: "2 ids of the new input are already indexed or occur in two new partitions: "a" in base
         * generation g1 partition 0 and new partition 1; …"; for a whole index: "2 ids occur in more than one
         * partition: "a" in partition 0 (input x.jsonl) and partition 1 (input y.jsonl); …".
         */
        String describe(boolean append) {
            StringBuilder text = new StringBuilder().append(ids).append(ids == 1 ? " id" : " ids");
            if (append) {
                text.append(" of the new input ").append(ids == 1 ? "is" : "are").append(" already indexed or occur in two new partitions");
            } else {
                text.append(ids == 1 ? " occurs" : " occur").append(" in more than one partition");
            }
            String separator = ": ";
            for (Duplicate duplicate : examples) {
                text.append(separator).append('"').append(duplicate.id()).append("\" in ").append(String.join(" and ", duplicate.places()));
                separator = "; ";
            }
            if (ids > examples.size()) {
                text.append("; and ").append(ids - examples.size()).append(" more");
            }
            return text.toString();
        }
    }

    /**
     * The lists to merge: {@code base}'s partitions (if this is an append), then the staged ones.
     *
     * @throws ConflictException if a partition has no list (built by an older ftindex)
     */
    static List<Source> sources(Optional<AppendBase> base, ObjectStore index, List<PartitionManifest> staged) {
        List<Source> sources = new ArrayList<>();
        base.ifPresent(from -> {
            String baseName = from.index().generation() != null ? "base generation " + from.index().generation() : "the base";
            for (IndexMetadata.CommittedPartition partition : from.metadata().partitions()) {
                FileEntry list = idList(partition.files()).orElseThrow(() -> new ConflictException(from.index().describe() + " partition "
                        + partition.n() + " has no id list (" + IdList.NAME + ": it was built before ftindex wrote them), so the ids of"
                        + " the new input cannot be checked against it: compact the base once (compaction writes them), or pass"
                        + " --allow-duplicate-ids to append without the check"));
                sources.add(new Source(baseName + " partition " + partition.n(), from.root(), partition.key(list), list, Kind.BASE,
                        partition.n(), List.of()));
            }
        });
        String prefix = base.isPresent() ? "new partition " : "partition ";
        for (PartitionManifest manifest : staged) {
            FileEntry list = idList(manifest.files()).orElseThrow(() -> new ConflictException("staged partition " + manifest.partition()
                    + " has no id list (" + IdList.NAME + "): it was built by an older ftindex, so its ids cannot be checked against"
                    + " the other partitions: rebuild it with this one, or pass --allow-duplicate-ids to commit without the check"));
            sources.add(new Source(prefix + manifest.partition(), index, IndexLayout.stagedFileKey(manifest.partition(), manifest.attempt(),
                    list.name()), list, true, manifest.input().read()));
        }
        return sources;
    }

    private static Optional<FileEntry> idList(List<FileEntry> files) {
        return files.stream().filter(file -> file.name().equals(IdList.NAME)).findFirst();
    }

    /** The chunk size for {@code lists} lists read at once: two chunks of each within {@link #BUDGET}. */
    static int chunkSize(int lists) {
        long share = BUDGET / (2L * Math.max(1, lists));
        return (int) Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, share));
    }

    /** Merges the lists, fetching chunks on {@code pool}; {@code examples} caps the duplicates named. */
    static Found run(List<Source> sources, int examples, ExecutorService pool) {
        return run(sources, examples, pool, chunkSize(sources.size()));
    }

    /** {@link #run(List, int, ExecutorService)} with chunks of {@code chunk} bytes. */
    static Found run(List<Source> sources, int examples, ExecutorService pool, int chunk) {
        Duplicates duplicates = new Duplicates(examples);
        Merged merged = merge(sources, pool, chunk, duplicates);
        return new Found(duplicates.ids, List.copyOf(duplicates.found), merged.listed(), merged.requests(), merged.bytes());
    }

    /** What a merge read: ids listed (each list's own count), ranged reads, bytes. */
    private record Merged(long listed, long requests, long bytes) {}

    /** What is done with each id of the merge and the lists that hold it. */
    private interface Sink {
        void offer(BytesRef id, List<Source> holders) throws IOException;
    }

    /** Merges the lists in byte order, giving {@code sink} each id once with every list that holds it. */
    private static Merged merge(List<Source> sources, ExecutorService pool, int chunk, Sink sink) {
        AtomicLong requests = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        List<Chunks> streams = new ArrayList<>();
        // Lucene's queue: the smallest cursor is advanced in place and sifted once (updateTop),
        // not removed and added again, which halves the comparisons of the merge.
        org.apache.lucene.util.PriorityQueue<Cursor> queue = new org.apache.lucene.util.PriorityQueue<>(Math.max(1, sources.size())) {
            @Override
            protected boolean lessThan(Cursor a, Cursor b) {
                int order = a.current.get().compareTo(b.current.get());
                return order != 0 ? order < 0 : a.order < b.order;
            }
        };
        try {
            // Every list's first chunk is asked for before any is waited for.
            for (Source source : sources) {
                streams.add(new Chunks(source.store(), source.key(), source.file().size(), chunk, pool, requests, bytes));
            }
            long listed = 0;
            for (int i = 0; i < sources.size(); i++) {
                Cursor cursor = new Cursor(sources.get(i), i, streams.get(i));
                listed += cursor.reader.count();
                if (cursor.advance()) {
                    queue.add(cursor);
                }
            }
            // Each list holds an id once: the sources of a run of equal ids are distinct lists.
            BytesRefBuilder last = new BytesRefBuilder();
            List<Source> holders = new ArrayList<>();
            while (queue.size() > 0) {
                Cursor top = queue.top();
                if (holders.isEmpty() || !top.current.get().equals(last.get())) {
                    if (!holders.isEmpty()) {
                        sink.offer(last.get(), holders);
                    }
                    holders.clear();
                    last.copyBytes(top.current.get());
                }
                holders.add(top.source);
                if (top.advance()) {
                    queue.updateTop();
                } else {
                    queue.pop();
                }
            }
            if (!holders.isEmpty()) {
                sink.offer(last.get(), holders);
            }
            return new Merged(listed, requests.get(), bytes.get());
        } catch (IOException e) {
            throw new UncheckedIOException("reading the id lists failed: " + e.getMessage(), e);
        } finally {
            for (Chunks stream : streams) {
                stream.close();
            }
        }
    }

    /** Counts the ids held by more than one partition (at least one of them new), keeping the first {@code examples}. */
    private static final class Duplicates implements Sink {
        final int examples;
        final List<Duplicate> found = new ArrayList<>();
        long ids;

        Duplicates(int examples) {
            this.examples = examples;
        }

        @Override
        public void offer(BytesRef id, List<Source> holders) {
            if (holders.size() < 2 || holders.stream().noneMatch(Source::appended)) {
                return;
            }
            ids++;
            if (found.size() < examples) {
                found.add(new Duplicate(id.utf8ToString(), holders.stream().map(Source::named).toList()));
            }
        }
    }

    /**
     * The ids an update deletes of one base partition: in {@code file}, in byte order; {@code ids}
     * of them; {@code fingerprint}, a hash of them, which names this deletion.
     */
    record PartitionDeletes(Path file, long ids, String fingerprint) {}

    /**
     * What an update's merge found: the duplicates it must refuse (or keep); for each base
     * partition the ids to delete; how many base documents the new input replaces (upserts) and
     * the delete list deletes; and the ids of the list the base does not hold.
     */
    record Update(Found duplicates, Map<Integer, PartitionDeletes> deletions, long replaced, long deletedByList, long unknown,
                  List<String> unknownExamples) {}

    /**
     * Merges an update's lists (the base's partitions, the staged ones, and the delete list if
     * any): an id of the delete list that a base partition holds is deleted from it (one the base
     * does not hold is counted as unknown); with {@code upsert}, an id of a staged partition that a
     * base partition holds is deleted from the base (the new document replaces it); without, it is
     * a duplicate, as is an id of two staged partitions. The ids to delete of each base partition
     * are written to a file of its own under {@code work}, in byte order.
     */
    static Update update(List<Source> sources, int examples, ExecutorService pool, boolean upsert, Path work) {
        Duplicates duplicates = new Duplicates(examples);
        Map<Integer, DeleteWriter> writers = new TreeMap<>();
        long[] counts = new long[3];
        List<String> unknownExamples = new ArrayList<>();
        Sink sink = (id, holders) -> {
            boolean deleted = holders.stream().anyMatch(source -> source.kind() == Kind.DELETES);
            List<Source> bases = holders.stream().filter(source -> source.kind() == Kind.BASE).toList();
            List<Source> staged = holders.stream().filter(Source::appended).toList();
            if (deleted && bases.isEmpty()) {
                counts[2]++;
                if (unknownExamples.size() < examples) {
                    unknownExamples.add(id.utf8ToString());
                }
            }
            boolean replaced = upsert && !bases.isEmpty() && !staged.isEmpty();
            if ((deleted || replaced) && !bases.isEmpty()) {
                counts[deleted ? 1 : 0]++;
                for (Source base : bases) {
                    writers.computeIfAbsent(base.basePartition(), n -> new DeleteWriter(work.resolve("delete-" + n))).add(id);
                }
            }
            // What is left to refuse: two new partitions, or the base and a new one when the base keeps its document.
            List<Source> rest = replaced || deleted ? staged : holders.stream().filter(source -> source.kind() != Kind.DELETES).toList();
            duplicates.offer(id, rest);
        };
        try {
            Files.createDirectories(work);
            Merged merged = merge(sources, pool, chunkSize(sources.size()), sink);
            Map<Integer, PartitionDeletes> deletions = new TreeMap<>();
            for (Map.Entry<Integer, DeleteWriter> writer : writers.entrySet()) {
                deletions.put(writer.getKey(), writer.getValue().finish());
            }
            return new Update(new Found(duplicates.ids, List.copyOf(duplicates.found), merged.listed(), merged.requests(), merged.bytes()), deletions, counts[0], counts[1], counts[2],
                    List.copyOf(unknownExamples));
        } catch (IOException e) {
            throw new UncheckedIOException("writing the ids to delete under " + work + " failed: " + e.getMessage(), e);
        } finally {
            writers.values().forEach(DeleteWriter::closeQuietly);
        }
    }

    /** The ids to delete of one base partition, written as they come (in byte order), and hashed. */
    private static final class DeleteWriter {
        private final Path file;
        private final DataOutputStream out;
        private final MessageDigest digest;
        private long ids;

        DeleteWriter(Path file) {
            this.file = file;
            try {
                this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void add(BytesRef id) {
            try {
                out.writeInt(id.length);
                out.write(id.bytes, id.offset, id.length);
                digest.update(id.bytes, id.offset, id.length);
                digest.update((byte) '\n');
                ids++;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }

        PartitionDeletes finish() throws IOException {
            out.close();
            return new PartitionDeletes(file, ids, "sha256:" + HexFormat.of().formatHex(digest.digest()));
        }

        void closeQuietly() {
            try {
                out.close();
            } catch (IOException ignored) {
                // Closed after finish, or failed: the run reports its own failure.
            }
        }
    }

    /** The ids of a {@link PartitionDeletes} file, in their order. */
    static Iterator<BytesRef> read(PartitionDeletes deletes) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(deletes.file()),
                1 << 16));
        return new Iterator<>() {
            private long read;

            @Override
            public boolean hasNext() {
                if (read == deletes.ids()) {
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // Everything was read.
                    }
                    return false;
                }
                return true;
            }

            @Override
            public BytesRef next() {
                try {
                    byte[] bytes = new byte[in.readInt()];
                    in.readFully(bytes);
                    read++;
                    return new BytesRef(bytes);
                } catch (IOException e) {
                    throw new UncheckedIOException("reading " + deletes.file() + " failed: " + e.getMessage(), e);
                }
            }
        };
    }

    /** One list being read: its current id, copied (the reader reuses its buffer). */
    private static final class Cursor {
        final Source source;
        final int order;
        final IdList.Reader reader;
        final BytesRefBuilder current = new BytesRefBuilder();

        Cursor(Source source, int order, Chunks chunks) throws IOException {
            this.source = source;
            this.order = order;
            this.reader = IdList.read(chunks, source.store().location() + source.key(), source.file().checksum());
        }

        boolean advance() throws IOException {
            BytesRef next = reader.next();
            if (next == null) {
                return false;
            }
            current.copyBytes(next);
            return true;
        }
    }

    /**
     * An object read front to back in ranged requests of {@code chunk} bytes, the next one fetched
     * on the pool while this one is read: no response stays open between them.
     */
    private static final class Chunks extends InputStream {
        private final RangedObject object;
        private final long size;
        private final int chunk;
        private final ExecutorService pool;
        private final AtomicLong requests;
        private final AtomicLong bytes;
        private byte[] current = new byte[0];
        private int position;
        private long requested;
        private Future<byte[]> next;

        Chunks(ObjectStore store, String key, long size, int chunk, ExecutorService pool, AtomicLong requests, AtomicLong bytes) {
            this.object = new RangedObject(store, key);
            this.size = size;
            this.chunk = chunk;
            this.pool = pool;
            this.requests = requests;
            this.bytes = bytes;
            requestNext();
        }

        private void requestNext() {
            if (requested >= size) {
                next = null;
                return;
            }
            long offset = requested;
            int length = (int) Math.min(chunk, size - offset);
            requested += length;
            next = pool.submit(() -> {
                byte[] read = object.read(offset, length);
                requests.incrementAndGet();
                bytes.addAndGet(read.length);
                if (read.length != length) {
                    throw new IOException(object + " ended at byte " + (offset + read.length) + " of " + size);
                }
                return read;
            });
        }

        private boolean fill() throws IOException {
            if (position < current.length) {
                return true;
            }
            if (next == null) {
                return false;
            }
            try {
                current = next.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading " + object);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                if (cause instanceof IOException io) {
                    throw io;
                }
                throw new IOException("reading " + object + " failed: " + cause, cause);
            }
            position = 0;
            requestNext();
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? current[position++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, n);
            position += n;
            return n;
        }

        /** Stops the fetch nobody will read (a merge that failed or ended early). */
        @Override
        public void close() {
            if (next != null) {
                next.cancel(true);
            }
        }
    }
}
