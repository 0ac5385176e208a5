package dev.ftindex.server;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * How {@code ftindex serve --route} runs.
 *
 * @param shards the shard servers: base URLs ({@code http://10.0.0.5:8080}), or {@code dns:NAME:PORT}
 *     for every address a name resolves to, read again at each refresh (a Kubernetes headless
 *     Service lists its ready pods so)
 * @param refresh how often every shard server is asked which generations it has open
 * @param shardTimeout the deadline of one phase of a query on one group of replicas, retries and
 *     hedges included: past it the partitions fail the query (or are left out of a partial one)
 * @param hedgePercentile a request slower than this percentile of the shard's recent latencies is
 *     sent to another replica as well; 100 turns hedging off
 */
public record RouterConfig(List<String> shards, String host, int port, Duration refresh, Duration shardTimeout, double hedgePercentile,
        int maxConcurrentSearches, Duration queueTimeout, Duration drainTimeout, Clock clock) {
    public static final int DEFAULT_REFRESH_SECONDS = 2;
    public static final int DEFAULT_SHARD_TIMEOUT_SECONDS = 5;
    public static final double DEFAULT_HEDGE_PERCENTILE = 95;

    public RouterConfig {
        shards = List.copyOf(shards);
        requireNonNull(host, "host is null");
        requireNonNull(refresh, "refresh is null");
        requireNonNull(shardTimeout, "shardTimeout is null");
        requireNonNull(queueTimeout, "queueTimeout is null");
        requireNonNull(drainTimeout, "drainTimeout is null");
        requireNonNull(clock, "clock is null");
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("--route needs at least one shard server");
        }
        for (String shard : shards) {
            if (!shard.startsWith("http://") && !shard.startsWith("https://") && !shard.startsWith("dns:")) {
                throw new IllegalArgumentException("a shard server is http://HOST:PORT or dns:NAME:PORT, not '" + shard + "'");
            }
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535: " + port);
        }
        if (refresh.isNegative() || refresh.isZero() || shardTimeout.isNegative() || shardTimeout.isZero()) {
            throw new IllegalArgumentException("the refresh interval and the shard timeout must be positive");
        }
        if (!(hedgePercentile > 0 && hedgePercentile <= 100)) {
            throw new IllegalArgumentException("the hedge percentile must be above 0 and at most 100: " + hedgePercentile);
        }
        if (maxConcurrentSearches < 1) {
            throw new IllegalArgumentException("the search concurrency must be positive: " + maxConcurrentSearches);
        }
    }

    /** The defaults of {@code ftindex serve --route}: those of {@code serve}, a refresh every 2 s, a 5 s shard deadline, hedging past p95. */
    public static RouterConfig defaults(List<String> shards) {
        return new RouterConfig(shards, ServerConfig.DEFAULT_HOST, ServerConfig.DEFAULT_PORT, Duration.ofSeconds(DEFAULT_REFRESH_SECONDS),
                Duration.ofSeconds(DEFAULT_SHARD_TIMEOUT_SECONDS), DEFAULT_HEDGE_PERCENTILE,
                ServerConfig.DEFAULT_SEARCHES_PER_CORE * Runtime.getRuntime().availableProcessors(),
                Duration.ofSeconds(ServerConfig.DEFAULT_QUEUE_TIMEOUT_SECONDS), Duration.ofSeconds(ServerConfig.DEFAULT_DRAIN_TIMEOUT_SECONDS),
                Clock.systemUTC());
    }

    public RouterConfig withAddress(String newHost, int newPort) {
        return new RouterConfig(shards, newHost, newPort, refresh, shardTimeout, hedgePercentile, maxConcurrentSearches, queueTimeout, drainTimeout, clock);
    }

    public RouterConfig withRefresh(Duration newRefresh) {
        return new RouterConfig(shards, host, port, newRefresh, shardTimeout, hedgePercentile, maxConcurrentSearches, queueTimeout, drainTimeout, clock);
    }

    public RouterConfig withShardTimeout(Duration newShardTimeout, double newHedgePercentile) {
        return new RouterConfig(shards, host, port, refresh, newShardTimeout, newHedgePercentile, maxConcurrentSearches, queueTimeout, drainTimeout,
                clock);
    }

    public RouterConfig withConcurrency(int newMaxConcurrentSearches, Duration newQueueTimeout, Duration newDrainTimeout) {
        return new RouterConfig(shards, host, port, refresh, shardTimeout, hedgePercentile, newMaxConcurrentSearches, newQueueTimeout,
                newDrainTimeout, clock);
    }
}
