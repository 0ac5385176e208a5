package dev.ftindex.server;

import dev.ftindex.search.PageCache;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * What {@code /metrics} exposes, in Prometheus text format, through the Prometheus Java client:
 * its registry, histograms and the JVM collectors are well kept and exactly what a scraper
 * expects, and Prometheus is the only target (so no Micrometer layer in between).
 */
final class ServerMetrics {
    /** How a search ended, as the {@code outcome} label. */
    enum Outcome {
        OK, BAD_REQUEST, NOT_READY, OVERLOADED, UNAVAILABLE, TIMEOUT, ERROR;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** How a search that failed with {@code kind} ended. */
        static Outcome of(dev.ftindex.format.ErrorKind kind) {
            return switch (kind) {
                case NOT_READY -> NOT_READY;
                case OVERLOADED -> OVERLOADED;
                case SHARDS_UNAVAILABLE -> UNAVAILABLE;
                case QUERY_TIMEOUT -> TIMEOUT;
                default -> kind.httpStatus() < 500 ? BAD_REQUEST : ERROR;
            };
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Histogram queryDuration;
    private final Counter queries;
    private final Histogram updateDuration;
    private final Counter updateFailures;

    /** The metrics of every server: its searches, and the JVM's. */
    ServerMetrics() {
        queryDuration = Histogram.builder().name("ftindex_query_duration_seconds")
                .help("Time to answer a search, from the request to its answer being ready to send")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .classicOnly().register(registry);
        queries = Counter.builder().name("ftindex_queries_total").help("Searches by outcome").labelNames("outcome").register(registry);
        updateDuration = Histogram.builder().name("ftindex_update_duration_seconds")
                .help("Time to resolve, fetch, verify, open, warm and swap in a generation, by status")
                .classicUpperBounds(0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600).classicOnly().labelNames("status").register(registry);
        updateFailures = Counter.builder().name("ftindex_update_failures_total")
                .help("Updates that failed (the old generation kept serving)").register(registry);
        for (Outcome outcome : Outcome.values()) {
            queries.labelValues(outcome.label());
        }
        JvmMetrics.builder().register(registry);
    }

    /** Where a server's own metrics are registered (a router's fan-out: {@link RouterMetrics}). */
    PrometheusRegistry registry() {
        return registry;
    }

    /**
     * The metrics of a server that opens generations itself: which one it serves, its caches.
     *
     * @param cacheBytes bytes of the generations fetched in full and still open
     * @param pageCache the page cache of the generations read where they lie
     */
    void serving(Supplier<ServedGeneration.Identity> serving, Supplier<Long> cacheBytes, Supplier<PageCache.Stats> pageCache, Clock clock) {
        GaugeWithCallback.builder().name("ftindex_serving_generation_info")
                .help("The generation being served (value 1), by generation and index id").labelNames("generation", "index_id")
                .callback(callback -> {
                    ServedGeneration.Identity identity = serving.get();
                    if (identity != null) {
                        callback.call(1, identity.name(), identity.indexId());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("ftindex_serving_generation_age_seconds")
                .help("Seconds since the served generation was committed")
                .callback(callback -> {
                    ServedGeneration.Identity identity = serving.get();
                    if (identity != null) {
                        callback.call(Duration.between(identity.committedAt(), clock.instant()).toMillis() / 1000.0);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("ftindex_serving_documents").help("Documents in the served generation")
                .callback(callback -> {
                    ServedGeneration.Identity identity = serving.get();
                    if (identity != null) {
                        callback.call(identity.docs());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("ftindex_cache_bytes")
                .help("Bytes of the generations held in the local cache (served, draining or being fetched)")
                .callback(callback -> callback.call(cacheBytes.get())).register(registry);
        pageCacheCounter("ftindex_page_cache_hits_total", "Pages read from the page cache", pageCache, PageCache.Stats::hits);
        pageCacheCounter("ftindex_page_cache_misses_total", "Pages fetched from the store", pageCache, PageCache.Stats::misses);
        pageCacheCounter("ftindex_page_cache_evictions_total", "Pages evicted to keep the page cache within its size", pageCache,
                PageCache.Stats::evictions);
        pageCacheCounter("ftindex_store_reads_total", "Ranged GETs of the page cache (adjacent missing pages share one)", pageCache,
                PageCache.Stats::requests);
        pageCacheCounter("ftindex_store_read_bytes_total", "Bytes the page cache fetched from the store", pageCache,
                PageCache.Stats::bytesFetched);
        CounterWithCallback.builder().name("ftindex_corrupt_pages_total")
                .help("Pages that failed their checksum: in the local cache (fetched again) or in the store, twice (the query failed)")
                .labelNames("where")
                .callback(callback -> {
                    PageCache.Stats stats = pageCache.get();
                    callback.call(stats.corruptCachePages(), "cache");
                    callback.call(stats.corruptStorePages(), "store");
                }).register(registry);
        GaugeWithCallback.builder().name("ftindex_page_cache_bytes").help("Bytes of pages in the page cache")
                .callback(callback -> callback.call(pageCache.get().cachedBytes())).register(registry);
        GaugeWithCallback.builder().name("ftindex_page_cache_limit_bytes").help("The most the page cache keeps (--cache-size)")
                .callback(callback -> callback.call(pageCache.get().maxBytes())).register(registry);
    }

    private void pageCacheCounter(String name, String help, Supplier<PageCache.Stats> pageCache, ToLongFunction<PageCache.Stats> value) {
        CounterWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(value.applyAsLong(pageCache.get()))).register(registry);
    }

    void query(Outcome outcome, long nanos) {
        queries.labelValues(outcome.label()).inc();
        queryDuration.observe(nanos / 1e9);
    }

    void update(Update.Status status, long millis) {
        updateDuration.labelValues(status.json()).observe(millis / 1000.0);
        if (status == Update.Status.FAILED) {
            updateFailures.inc();
        }
    }

    String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
