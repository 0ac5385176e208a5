package dev.ftindex.server;

import dev.ftindex.format.IndexMetadata;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.IndexCache;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One opened generation and what holds it, counted like Lucene's {@code ReferenceManager} counts
 * an {@code IndexReader}: {@link ServedGenerations} holds one reference while it serves the
 * generation, each query one more while it runs. When the last is released the readers are
 * closed, then its {@link Files} are released: a full copy's cache lease (which removes the files
 * once nothing else in the process holds them); a generation read where it lies holds nothing
 * (its pages stay in the shared page cache until they are evicted).
 */
final class ServedGeneration {
    private static final Logger LOG = Logger.getLogger(ServedGeneration.class.getName());

    private final CommittedIndex index;
    private final Identity identity;
    private final Files files;
    private final Consumer<ServedGeneration> onClosed;
    private final AtomicInteger references = new AtomicInteger(1);
    private volatile boolean keepFiles;
    /** When a router last asked for this generation by its id ({@link System#nanoTime}), 0 if never. */
    private volatile long lastRouted;

    /**
     * @param location the index root it was read from
     * @param generation the generation id, or null when serving an index root
     * @param committedAt when its {@code metadata.lance} was written
     * @param held the partitions this server opened (all of them, unless it serves a shard's share)
     */
    record Identity(String location, String generation, String indexId, int partitions, long docs, long bytes, Instant committedAt,
            List<Integer> held, Map<String, String> fields) {
        Identity {
            held = List.copyOf(held);
            fields = fields == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(fields));
        }

        static Identity of(String location, String generation, IndexMetadata metadata, Instant committedAt, List<Integer> held) {
            Map<String, String> fields = new java.util.TreeMap<>();
            metadata.spec().fields().forEach((name, field) -> fields.put(name, field.type().json()));
            return new Identity(location, generation, metadata.indexId(), metadata.totals().partitions(), metadata.totals().docs(),
                    metadata.totals().bytes(), committedAt, held, fields);
        }

        /** Whether a resolved target is this generation (an index is immutable: the same id is the same bytes). */
        boolean sameAs(String otherGeneration, String otherIndexId) {
            return indexId.equals(otherIndexId) && Objects.equals(generation, otherGeneration);
        }

        String name() {
            return generation != null ? generation : indexId;
        }
    }

    /** The local files a generation's readers read from. */
    sealed interface Files {
        /** Bytes held on local disk for this generation alone. */
        long bytes();

        void release(boolean keepFiles);
    }

    /** A full copy in the {@link IndexCache}, held by a lease. */
    record Downloaded(IndexCache.Lease lease, long bytes) implements Files {
        @Override
        public void release(boolean keepFiles) {
            if (keepFiles) {
                lease.closeKeepingFiles();
            } else {
                lease.close();
            }
        }
    }

    /** Read where it lies (in the store through the page cache, or a local root's own files): no copy is its own. */
    record InStore() implements Files {
        @Override
        public long bytes() {
            return 0;
        }

        @Override
        public void release(boolean keepFiles) {}
    }

    /**
     * @param files what its readers read from, released after they close
     * @param onClosed told when the last reference was released and everything is closed
     */
    ServedGeneration(CommittedIndex index, Identity identity, Files files, Consumer<ServedGeneration> onClosed) {
        this.index = index;
        this.identity = identity;
        this.files = files;
        this.onClosed = onClosed;
    }

    CommittedIndex index() {
        return index;
    }

    Identity identity() {
        return identity;
    }

    /** A router asked for this generation: it stays open a while after a swap ({@link ServedGenerations}). */
    void routed() {
        lastRouted = Math.max(1, System.nanoTime());
    }

    /** When a router last asked for it ({@link System#nanoTime}), 0 if never. */
    long lastRouted() {
        return lastRouted;
    }

    /** Bytes of its own on local disk: a full copy's, none when read where it lies. */
    long localBytes() {
        return files.bytes();
    }

    /** One more reference, unless the last one was released already (then the caller reads the current generation again). */
    boolean tryAcquire() {
        while (true) {
            int count = references.get();
            if (count <= 0) {
                return false;
            }
            if (references.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    void release() {
        int left = references.decrementAndGet();
        if (left == 0) {
            close();
        } else if (left < 0) {
            throw new IllegalStateException("generation " + identity.name() + " released more often than acquired");
        }
    }

    /** On shutdown: the files stay in the cache for the next start, whenever the last query ends. */
    void keepFilesWhenClosed() {
        keepFiles = true;
    }

    private void close() {
        try {
            index.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing generation " + identity.name() + " failed: " + e.getMessage(), e);
        }
        files.release(keepFiles);
        onClosed.accept(this);
        LOG.info("closed " + identity.name());
    }
}
