package dev.ftindex.server;

import dev.ftindex.format.IndexMetadata;
import dev.ftindex.search.CommittedIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * One opened generation and the queries holding it, counted like Lucene's
 * {@code ReferenceManager}: the server holds one reference while it serves the generation, each
 * query one more while it runs. When the last is released the readers are closed, then the cache
 * files are removed (unless {@code keepFiles} says another generation uses them).
 */
final class ServedGeneration {
    private static final Logger LOG = Logger.getLogger(ServedGeneration.class.getName());

    private final CommittedIndex index;
    private final Identity identity;
    private final Path cacheDirectory;
    private final Consumer<ServedGeneration> onClosed;
    private final AtomicInteger references = new AtomicInteger(1);

    /**
     * @param location the index root it was read from
     * @param generation the generation id, or null when serving an index root
     * @param committedAt when its {@code metadata.lance} was written
     */
    record Identity(String location, String generation, String indexId, int partitions, long docs, long bytes, Instant committedAt) {
        static Identity of(String location, String generation, IndexMetadata metadata, Instant committedAt) {
            return new Identity(location, generation, metadata.indexId(), metadata.totals().partitions(), metadata.totals().docs(),
                    metadata.totals().bytes(), committedAt);
        }

        /** Whether a resolved target is this generation (an index is immutable: the same id is the same bytes). */
        boolean sameAs(String otherGeneration, String otherIndexId) {
            return indexId.equals(otherIndexId) && java.util.Objects.equals(generation, otherGeneration);
        }

        String name() {
            return generation != null ? generation : indexId;
        }
    }

    ServedGeneration(CommittedIndex index, Identity identity, Path cacheDirectory, Consumer<ServedGeneration> onClosed) {
        this.index = index;
        this.identity = identity;
        this.cacheDirectory = cacheDirectory;
        this.onClosed = onClosed;
    }

    CommittedIndex index() {
        return index;
    }

    Identity identity() {
        return identity;
    }

    Path cacheDirectory() {
        return cacheDirectory;
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

    int references() {
        return references.get();
    }

    private void close() {
        try {
            index.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing generation " + identity.name() + " failed: " + e.getMessage(), e);
        }
        onClosed.accept(this);
    }

    /** Removes a closed generation's cache files: best effort (a failure leaves files, never a served index without them). */
    static void removeFiles(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove the cache files under " + directory + ": " + e.getMessage(), e);
        }
    }
}
