package dev.ftindex.bench;

import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.RequestMetrics;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.FaultyHttpProxy;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.PageCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * 15. Searching where the index lies (docs/FORMAT.md, "Hotcache"): the committed index of the
 * finalize benchmark on S3Proxy, read through a proxy that adds 0 to 40 ms to every request (20 ms
 * on average), as a remote store would. Requests and bytes to open the generation; requests, bytes
 * and time of a cold query (a fresh page cache and a fresh open for each) by kind and page size;
 * and warm latency against the full mode (everything downloaded first), passes alternating.
 */
final class LazyBenchmark {
    private static final int K = 10;
    /** Cold queries of each kind at each page size, a run: each opens the generation afresh. */
    private static final int COLD_QUERIES_PER_KIND_A_RUN = 5;
    private static final List<Integer> PAGE_SIZES = List.of(4096, 64 * 1024, 1 << 20);
    private static final Duration MAX_LATENCY = Duration.ofMillis(40);

    /** The shapes of {@link SearchBenchmark#queries}, by position modulo 5. */
    private enum Kind {
        TERM(0), OR(2), AND(3), PHRASE(4);

        final int position;

        Kind(int position) {
            this.position = position;
        }
    }

    private LazyBenchmark() {}

    static void run(BenchContext c, Report report, FinalizerBenchmark.Committed committed, int threads) throws Exception {
        List<String> queries = SearchBenchmark.queries(c.spec());
        try (FaultyHttpProxy slow = FaultyHttpProxy.start(c.s3().endpoint(), request -> FaultyHttpProxy.Fault.NONE, Set.of(), MAX_LATENCY, 15);
             ObjectStore store = ObjectStores.open(new StoreLocation.S3(committed.bucket(), committed.prefix()),
                     S3ProxyServer.settings(slow.endpoint()).build(), Map.of())) {
            IndexMetadata metadata = StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class);
            long indexBytes = metadata.totals().bytes();
            long hotcacheBytes = metadata.partitions().stream().flatMap(p -> p.files().stream())
                    .filter(file -> file.name().equals(Hotcache.NAME)).mapToLong(FileEntry::size).sum();
            int partitions = metadata.partitions().size();
            String latency = "0-" + MAX_LATENCY.toMillis() + " ms a request";

            RequestMetrics.Snapshot before = store.metrics().snapshot();
            long openStart = System.nanoTime();
            try (PageCache pages = new PageCache(c.scratch("lazy-open"), PageCache.DEFAULT_SIZE, PageCache.DEFAULT_PAGE_SIZE);
                 CommittedIndex opened = CommittedIndex.openLazy(store, pages, threads)) {
                double openMs = (System.nanoTime() - openStart) / 1e6;
                RequestMetrics.Snapshot open = store.metrics().snapshot().minus(before);
                c.say("lazy: open %d partitions: %d requests, %,d bytes, %.0f ms", partitions, open.total(), open.bytesRead(), openMs);
                report.add(new Report.Row("lazy", "requests to open a generation", open.total(), partitions + 1, "requests",
                        "one a partition + the commit", open.total() <= partitions + 1, partitions + " partitions; " + latency));
                report.add(new Report.Row("lazy", "bytes to open a generation (metadata + hotcaches)", open.bytesRead(), indexBytes, "bytes",
                        "hotcache <= 2% of the index", hotcacheBytes <= 0.02 * indexBytes,
                        String.format("hotcaches %.2f%% of the index; %.0f ms to open", 100.0 * hotcacheBytes / indexBytes, openMs)));
            }

            for (int pageSize : PAGE_SIZES) {
                List<Double> allTimes = new ArrayList<>();
                for (Kind kind : Kind.values()) {
                    List<Double> bytes = new ArrayList<>();
                    List<Double> requests = new ArrayList<>();
                    for (int i = kind.position, n = 0; i < queries.size() && n < COLD_QUERIES_PER_KIND_A_RUN * c.runs(); i += 5, n++) {
                        try (PageCache pages = new PageCache(c.scratch("lazy-cold"), PageCache.DEFAULT_SIZE, pageSize);
                             CommittedIndex index = CommittedIndex.openLazy(store, metadata, pages, threads)) {
                            String query = queries.get(i);
                            long start = System.nanoTime();
                            index.search(query, K);
                            allTimes.add((System.nanoTime() - start) / 1e6);
                            PageCache.Stats stats = pages.stats();
                            bytes.add((double) stats.bytesFetched());
                            requests.add((double) stats.requests());
                        }
                    }
                    double medianBytes = Stats.median(bytes);
                    c.say("lazy: cold %s queries at %d KiB pages: median %.0f requests, %,.0f bytes (%.3f%% of the index)", kind, pageSize >> 10,
                            Stats.median(requests), medianBytes, 100 * medianBytes / indexBytes);
                    String name = kind.name().toLowerCase(java.util.Locale.ROOT);
                    report.add(new Report.Row("lazy", "cold " + name + " query, " + (pageSize >> 10) + " KiB pages: bytes beyond the hotcache",
                            medianBytes, indexBytes, "bytes", "<= 0.5% of the index", medianBytes <= 0.005 * indexBytes,
                            String.format("median of %d; %.3f%% of the index; p99 %,.0f bytes", bytes.size(), 100 * medianBytes / indexBytes,
                                    Stats.percentile(bytes, 99))));
                    report.add(new Report.Row("lazy", "cold " + name + " query, " + (pageSize >> 10) + " KiB pages: requests",
                            Stats.median(requests), Double.NaN, "requests", "", null, "median; p99 " + Stats.percentile(requests, 99)));
                }
                report.add(new Report.Row("lazy", "cold query latency p50, " + (pageSize >> 10) + " KiB pages", Stats.median(allTimes),
                        Double.NaN, "ms", "", null, "p99 " + String.format("%.1f", Stats.percentile(allTimes, 99)) + " ms; " + latency));
            }

            prefetch(c, report, store, metadata, queries, threads, latency);
            warm(c, report, store, indexBytes, queries, threads);
        }
    }

    /**
     * Cold queries at the default page size with Lucene's prefetch calls served (fetches start
     * before the reads that need them) and ignored, each query run both ways back to back, the
     * order alternating.
     */
    private static void prefetch(BenchContext c, Report report, ObjectStore store, IndexMetadata metadata, List<String> queries, int threads,
                                 String latency) throws Exception {
        List<Double> on = new ArrayList<>();
        List<Double> off = new ArrayList<>();
        List<Double> requestsOn = new ArrayList<>();
        List<Double> requestsOff = new ArrayList<>();
        int n = 0;
        for (Kind kind : Kind.values()) {
            for (int i = kind.position, count = 0; i < queries.size() && count < COLD_QUERIES_PER_KIND_A_RUN * c.runs(); i += 5, count++, n++) {
                for (boolean prefetching : n % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                    try (PageCache pages = new PageCache(c.scratch("lazy-prefetch"), PageCache.DEFAULT_SIZE, PageCache.DEFAULT_PAGE_SIZE,
                            prefetching);
                         CommittedIndex index = CommittedIndex.openLazy(store, metadata, pages, threads)) {
                        long start = System.nanoTime();
                        index.search(queries.get(i), K);
                        (prefetching ? on : off).add((System.nanoTime() - start) / 1e6);
                        (prefetching ? requestsOn : requestsOff).add((double) pages.stats().requests());
                    }
                }
            }
        }
        c.say("lazy: cold queries, prefetch on vs off: p50 %.0f vs %.0f ms, requests %.0f vs %.0f", Stats.median(on), Stats.median(off),
                Stats.median(requestsOn), Stats.median(requestsOff));
        report.add(new Report.Row("lazy", "cold query latency p50, " + (PageCache.DEFAULT_PAGE_SIZE >> 10) + " KiB pages: prefetch on vs off",
                Stats.median(on), Stats.median(off), Stats.median(Stats.ratios(on, off)), "ms", "(reported)", null, String.format(
                        "%d queries of every kind, each both ways; p99 %.0f vs %.0f ms; requests p50 %.0f vs %.0f; %s", on.size(),
                        Stats.percentile(on, 99), Stats.percentile(off, 99), Stats.median(requestsOn), Stats.median(requestsOff), latency)));
    }

    /** Warm queries in lazy mode (every page cached) against the full mode's local copy, passes alternating. */
    private static void warm(BenchContext c, Report report, ObjectStore store, long indexBytes, List<String> queries, int threads)
            throws Exception {
        try (PageCache pages = new PageCache(c.scratch("lazy-warm"), PageCache.DEFAULT_SIZE, PageCache.DEFAULT_PAGE_SIZE);
             CommittedIndex lazy = CommittedIndex.openLazy(store, pages, threads);
             CommittedIndex full = CommittedIndex.open(store, c.scratch("lazy-full"), threads, Progress.silent())) {
            // Identity with a page cache of 5 % of the index, so pages are evicted while the queries run.
            long smallCache = Math.max(16L * PageCache.DEFAULT_PAGE_SIZE, indexBytes / 20);
            int identical = 0;
            long evictions;
            try (PageCache small = new PageCache(c.scratch("lazy-small"), smallCache, PageCache.DEFAULT_PAGE_SIZE);
                 CommittedIndex evicting = CommittedIndex.openLazy(store, small, threads)) {
                for (String query : queries) {
                    if (SearchBenchmark.hits(evicting.search(query, K)).equals(SearchBenchmark.hits(full.search(query, K)))) {
                        identical++;
                    }
                }
                evictions = small.stats().evictions();
            }
            for (int warmup = 0; warmup < 5; warmup++) {
                for (String query : queries) {
                    lazy.search(query, K);
                    full.search(query, K);
                }
            }
            long requestsBefore = pages.stats().requests();
            List<Double> ours = new ArrayList<>();
            List<Double> theirs = new ArrayList<>();
            for (int pass = 0; pass < Math.max(3, c.runs()) * 2; pass++) {
                for (String query : queries) {
                    boolean lazyFirst = (pass + query.length()) % 2 == 0;
                    if (!lazyFirst) {
                        theirs.add(SearchBenchmark.time(() -> full.search(query, K)));
                    }
                    ours.add(SearchBenchmark.time(() -> lazy.search(query, K)));
                    if (lazyFirst) {
                        theirs.add(SearchBenchmark.time(() -> full.search(query, K)));
                    }
                }
            }
            long warmRequests = pages.stats().requests() - requestsBefore;
            double ratio = Stats.median(ours) / Stats.median(theirs);
            c.say("lazy: %d of %d identical to full mode; warm p50 %.3f ms vs %.3f ms (%d requests while warm)", identical, queries.size(),
                    Stats.median(ours), Stats.median(theirs), warmRequests);
            report.add(new Report.Row("lazy", "queries with the ids and scores of full mode, page cache 5% of the index", identical,
                    queries.size(), "queries", "all", identical == queries.size(), evictions + " pages evicted meanwhile"));
            report.add(new Report.Row("lazy", "warm latency p50, lazy vs full", Stats.median(ours), Stats.median(theirs), "ms", "ratio <= 1.1",
                    ratio <= 1.1, String.format("p99 %.3f vs %.3f ms; %d store requests while warm", Stats.percentile(ours, 99),
                            Stats.percentile(theirs, 99), warmRequests)));
        }
    }
}
