package dev.ftindex.server;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.search.QueryLimits;
import dev.ftindex.search.Reading;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * How {@code ftindex serve} runs.
 *
 * @param store the collection (its alias is polled) or an index root (served once committed)
 * @param cacheRoot where generations are fetched and verified before they are opened
 * @param host the address to bind ({@code 0.0.0.0} in a container; tests bind {@code 127.0.0.1})
 * @param port the port, 0 for any free one
 * @param poll how often the alias (or the uncommitted root) is read again
 * @param threads fetch and search threads
 * @param maxConcurrentSearches searches running at once; more wait up to {@code queueTimeout}, then get 503
 * @param queueTimeout how long a search waits for a slot
 * @param drainTimeout on shutdown, how long running requests may take to finish
 * @param reading how generations are read: lazily where they lie, through a page cache under
 *     {@code cacheRoot} shared by every generation the server opens, or fetched in full
 * @param partitions which partitions of each generation the server opens: all of them, or a shard's
 *     share (then it answers the internal API of a router, not {@code /search})
 * @param limits what one search may cost (its deadline among them): {@code --query-timeout}
 */
public record ServerConfig(ObjectStore store, Path cacheRoot, String host, int port, Duration poll, int threads, int maxConcurrentSearches,
        Duration queueTimeout, Duration drainTimeout, Clock clock, Reading reading, PartitionSelection partitions, QueryLimits limits) {
    public ServerConfig {
        requireNonNull(store, "store is null");
        requireNonNull(cacheRoot, "cacheRoot is null");
        requireNonNull(host, "host is null");
        requireNonNull(poll, "poll is null");
        requireNonNull(queueTimeout, "queueTimeout is null");
        requireNonNull(drainTimeout, "drainTimeout is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(reading, "reading is null");
        requireNonNull(partitions, "partitions is null");
        requireNonNull(limits, "limits is null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535: " + port);
        }
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("the poll interval must be positive: " + poll);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive: " + threads);
        }
        if (maxConcurrentSearches < 1) {
            throw new IllegalArgumentException("the search concurrency must be positive: " + maxConcurrentSearches);
        }
        if (queueTimeout.isNegative() || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }

    /** {@code serve}'s defaults, declared once: {@link #defaults} applies them and the command line's help names them. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_POLL_SECONDS = 30;
    public static final int DEFAULT_THREADS = 8;
    public static final int DEFAULT_SEARCHES_PER_CORE = 4;
    public static final int DEFAULT_QUEUE_TIMEOUT_SECONDS = 5;
    public static final int DEFAULT_DRAIN_TIMEOUT_SECONDS = 10;

    /** The defaults of {@code ftindex serve}: port 8080 on all addresses, a 30 s poll. */
    public static ServerConfig defaults(ObjectStore store, Path cacheRoot) {
        int cores = Runtime.getRuntime().availableProcessors();
        return new ServerConfig(store, cacheRoot, DEFAULT_HOST, DEFAULT_PORT, Duration.ofSeconds(DEFAULT_POLL_SECONDS), DEFAULT_THREADS,
                DEFAULT_SEARCHES_PER_CORE * cores, Duration.ofSeconds(DEFAULT_QUEUE_TIMEOUT_SECONDS), Duration.ofSeconds(DEFAULT_DRAIN_TIMEOUT_SECONDS),
                Clock.systemUTC(), Reading.defaults(), PartitionSelection.all(), QueryLimits.DEFAULT);
    }

    public ServerConfig withAddress(String newHost, int newPort) {
        return new ServerConfig(store, cacheRoot, newHost, newPort, poll, threads, maxConcurrentSearches, queueTimeout, drainTimeout, clock, reading, partitions, limits);
    }

    public ServerConfig withPoll(Duration newPoll) {
        return new ServerConfig(store, cacheRoot, host, port, newPoll, threads, maxConcurrentSearches, queueTimeout, drainTimeout, clock, reading, partitions, limits);
    }

    public ServerConfig withThreads(int newThreads) {
        return new ServerConfig(store, cacheRoot, host, port, poll, newThreads, maxConcurrentSearches, queueTimeout, drainTimeout, clock, reading, partitions, limits);
    }

    public ServerConfig withConcurrency(int newMaxConcurrentSearches, Duration newQueueTimeout) {
        return new ServerConfig(store, cacheRoot, host, port, poll, threads, newMaxConcurrentSearches, newQueueTimeout, drainTimeout, clock, reading, partitions, limits);
    }

    public ServerConfig withDrainTimeout(Duration newDrainTimeout) {
        return new ServerConfig(store, cacheRoot, host, port, poll, threads, maxConcurrentSearches, queueTimeout, newDrainTimeout, clock, reading, partitions, limits);
    }

    public ServerConfig withReading(Reading newReading) {
        return new ServerConfig(store, cacheRoot, host, port, poll, threads, maxConcurrentSearches, queueTimeout, drainTimeout, clock, newReading, partitions, limits);
    }

    public ServerConfig withLimits(QueryLimits newLimits) {
        return new ServerConfig(store, cacheRoot, host, port, poll, threads, maxConcurrentSearches, queueTimeout, drainTimeout, clock, reading, partitions, newLimits);
    }

    public ServerConfig withPartitions(PartitionSelection newPartitions) {
        return new ServerConfig(store, cacheRoot, host, port, poll, threads, maxConcurrentSearches, queueTimeout, drainTimeout, clock, reading, newPartitions, limits);
    }
}
