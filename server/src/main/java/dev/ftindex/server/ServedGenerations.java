package dev.ftindex.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which generation queries use, as Lucene's {@code ReferenceManager} does it for searchers: a
 * query {@link #acquire}s the current generation once and releases it when its response is built,
 * so it is answered from exactly one whole generation; {@link #swap} exchanges the current one
 * atomically and releases the old one, which closes when its last query ends. Nothing else.
 */
final class ServedGenerations implements AutoCloseable {
    private final AtomicReference<ServedGeneration> current = new AtomicReference<>();
    private final List<ServedGeneration> open = new ArrayList<>();

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

    Optional<ServedGeneration.Identity> serving() {
        return Optional.ofNullable(current.get()).map(ServedGeneration::identity);
    }

    /** Makes {@code next} current; the old one closes once no query holds it. */
    void swap(ServedGeneration next) {
        synchronized (open) {
            open.add(next);
        }
        ServedGeneration old = current.getAndSet(next);
        if (old != null) {
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
        ServedGeneration served = current.getAndSet(null);
        if (served != null) {
            served.keepFilesWhenClosed();
            served.release();
        }
    }
}
