package dev.ftindex.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Supplier;

/** What a router adds to {@code /metrics}: its fan-out to each shard server, the retries and hedges, the generation it pins. */
final class RouterMetrics {
    private final Histogram shardDuration;
    private final Counter retries;
    private final Counter hedges;
    private final Histogram requestsPerQuery;

    RouterMetrics(PrometheusRegistry registry, Supplier<ShardProtocol.Open> pinned) {
        shardDuration = Histogram.builder().name("ftindex_router_shard_request_duration_seconds")
                .help("Time of one request to a shard server, by shard, phase (statistics, search, fetch) and outcome")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
                .classicOnly().labelNames("shard", "phase", "outcome").register(registry);
        retries = Counter.builder().name("ftindex_router_retries_total")
                .help("Requests sent to another replica after one failed, by the shard server that failed").labelNames("shard").register(registry);
        hedges = Counter.builder().name("ftindex_router_hedges_total")
                .help("Second requests sent because the first was slower than the hedge percentile, by the slow shard server")
                .labelNames("shard").register(registry);
        requestsPerQuery = Histogram.builder().name("ftindex_router_shard_requests_per_query")
                .help("Requests to shard servers one query took, all phases, retries and hedges included")
                .classicUpperBounds(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128).classicOnly().register(registry);
        GaugeWithCallback.builder().name("ftindex_serving_generation_info")
                .help("The generation being served (value 1), by generation and index id").labelNames("generation", "index_id")
                .callback(callback -> {
                    ShardProtocol.Open open = pinned.get();
                    if (open != null) {
                        callback.call(1, open.generation() != null ? open.generation() : open.indexId(), open.indexId());
                    }
                }).register(registry);
    }

    void request(String shard, String phase, boolean ok, long nanos) {
        shardDuration.labelValues(shard, phase, ok ? "ok" : "failed").observe(nanos / 1e9);
    }

    void retry(String shard) {
        retries.labelValues(shard).inc();
    }

    void hedge(String shard) {
        hedges.labelValues(shard).inc();
    }

    void requests(int count) {
        requestsPerQuery.observe(count);
    }
}
