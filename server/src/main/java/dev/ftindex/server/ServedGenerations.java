package dev.ftindex.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which generation queries use, as Lucene's {@code ReferenceManager} does it for searchers: a
 * query {@link #acquire}s the current generation once and releases it when its response is built,
 * so it is answered from exactly one whole generation; {@link #swap} exchanges the current one
 * atomically and releases the old one, which closes when its last query ends.
 *
 * <p>A router asks for a generation by its index id ({@link #acquire(String)}), since it moves to
 * a new generation only once every shard has it open (docs/PROTOCOL.md, "Serving from several
 * nodes"). So a generation a router used is not released at the swap: it is <em>retained</em>
 * until no router asked for it for {@link #ROUTED_RETENTION} ({@link #expire}), which leaves the
 * routers time to move on; one no router ever asked for or was told of ({@link #routable}) is
 * released at once, as before.
 */
final class ServedGenerations implements AutoCloseable {
    /** How long a swapped-out generation stays open after a router last asked for it. */
    static final Duration ROUTED_RETENTION = Duration.ofSeconds(60);

    private final AtomicReference<ServedGeneration> current = new AtomicReference<>();
    private final List<ServedGeneration> open = new ArrayList<>();
    /** Swapped out, still open for routers; this class holds one reference to each. */
    private final List<ServedGeneration> retained = new ArrayList<>();

    /** A query's hold on the generation serving it. */
    record Lease(ServedGeneration generation) implements AutoCloseable {
        @Override
        public void close() {
            generation.release();
        }
    }

    /** The current generation, held until the lease is closed; empty before the first one is open. */
    Optional<Lease> acquire() {
        while (true) {
            ServedGeneration served = current.get();
            if (served == null) {
                return Optional.empty();
            }
            if (served.tryAcquire()) {
                return Optional.of(new Lease(served));
            }
            // Swapped out and closed between the read and the acquire: read the new one.
        }
    }

    /**
     * The generation with index id {@code indexId}, current or retained, held until the lease is
     * closed; empty when it is not open here (never opened, or released after its retention).
     */
    Optional<Lease> acquire(String indexId) {
        List<ServedGeneration> candidates = new ArrayList<>();
        ServedGeneration served = current.get();
        if (served != null) {
            candidates.add(served);
        }
        synchronized (retained) {
            candidates.addAll(retained);
        }
        for (ServedGeneration generation : candidates) {
            if (generation.identity().indexId().equals(indexId) && generation.tryAcquire()) {
                generation.routed();
                return Optional.of(new Lease(generation));
            }
        }
        return Optional.empty();
    }

    /**
     * The generations a router may ask for: the current one first, then the retained ones. A
     * router that was told of the current one may pin it before it asks for it, so the current one
     * counts as used by a router from here on (the retained ones only when queries use them, or
     * they would never expire).
     */
    List<ServedGeneration.Identity> routable() {
        List<ServedGeneration.Identity> identities = new ArrayList<>();
        ServedGeneration served = current.get();
        if (served != null) {
            served.routed();
            identities.add(served.identity());
        }
        synchronized (retained) {
            retained.forEach(generation -> identities.add(generation.identity()));
        }
        return identities;
    }

    /** Releases the retained generations no router asked for within {@code retention}. */
    void expire(Duration retention) {
        long now = System.nanoTime();
        List<ServedGeneration> expired = new ArrayList<>();
        synchronized (retained) {
            retained.removeIf(generation -> {
                boolean old = now - generation.lastRouted() > retention.toNanos();
                if (old) {
                    expired.add(generation);
                }
                return old;
            });
        }
        expired.forEach(ServedGeneration::release);
    }

    Optional<ServedGeneration.Identity> serving() {
        return Optional.ofNullable(current.get()).map(ServedGeneration::identity);
    }

    /** Makes {@code next} current; the old one closes once no query holds it. */
    void swap(ServedGeneration next) {
        synchronized (open) {
            open.add(next);
        }
        ServedGeneration old = current.getAndSet(next);
        if (old != null && old.lastRouted() != 0) {
            synchronized (retained) {
                retained.add(old);
            }
        } else if (old != null) {
            old.release();
        }
    }

    /** Called by a generation when it has closed. */
    void closed(ServedGeneration generation) {
        synchronized (open) {
            open.remove(generation);
        }
    }

    /** Bytes of every generation still open (the current one and those running queries hold). */
    long openBytes() {
        synchronized (open) {
            return open.stream().mapToLong(ServedGeneration::localBytes).sum();
        }
    }

    /** Releases the current generation; its files stay in the cache for the next start. */
    @Override
    public void close() {
        List<ServedGeneration> released = new ArrayList<>();
        ServedGeneration served = current.getAndSet(null);
        if (served != null) {
            released.add(served);
        }
        synchronized (retained) {
            released.addAll(retained);
            retained.clear();
        }
        for (ServedGeneration generation : released) {
            generation.keepFilesWhenClosed();
            generation.release();
        }
    }
}
