package dev.ftindex.bench;

import dev.ftindex.finalizer.Publisher;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.search.FetchMode;
import dev.ftindex.search.Reading;
import dev.ftindex.server.PartitionSelection;
import dev.ftindex.server.RouterConfig;
import dev.ftindex.server.SearchServer;
import dev.ftindex.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A generation served by a router over three shard servers against one server over the whole
 * generation, on this one machine: queries per second and latency (p50, p99) at 1, 4 and 16
 * concurrent HTTP clients, and the requests to shard servers each query takes (from the router's
 * {@code /metrics}). The corpus in 6 partitions on the loopback S3 server, every server lazy with a
 * page cache that holds what the queries read, warmed first; router and one-node windows
 * alternate, so each pair ran side by side, and the figures are medians over the pairs. All the
 * servers share this machine's cores with the clients: the figures price the router's work per
 * query (three phases, each an HTTP round trip to every shard, and the merge), not the capacity a
 * cluster of separate machines would add.
 */
final class RoutedBenchmark {
    private static final int PARTITIONS = 6;
    private static final int SHARDS = 3;

    private RoutedBenchmark() {}

    static void run(BenchContext c, Report report, List<Integer> clientCounts, Duration window) throws Exception {
        String bucket = c.s3().newBucket();
        try (ObjectStore collection = ObjectStores.open(new StoreLocation.S3(bucket, "routed/"), c.s3().settings().build(), Map.of())) {
            long built = System.nanoTime();
            ServeBenchmark.build(c, collection, "g", PARTITIONS);
            c.say("routed: built %d partitions in %.1f s", PARTITIONS, (System.nanoTime() - built) / 1e9);
            new Publisher(collection, 16, Progress.silent()).publish("g");
            Reading lazy = new Reading(FetchMode.LAZY, 4L << 30, Reading.defaults().pageSize());
            List<AutoCloseable> servers = new ArrayList<>();
            try {
                SearchServer whole = SearchServer.start(config(c, collection, "whole", lazy));
                servers.add(whole);
                List<String> urls = new ArrayList<>();
                for (int shard = 0; shard < SHARDS; shard++) {
                    SearchServer server = SearchServer.start(config(c, collection, "shard-" + shard, lazy)
                            .withPartitions(PartitionSelection.shard(shard + "/" + SHARDS)));
                    servers.add(server);
                    urls.add("http://127.0.0.1:" + server.port());
                }
                SearchServer router = SearchServer.route(RouterConfig.defaults(urls).withAddress("127.0.0.1", 0)
                        .withRefresh(Duration.ofMillis(500)));
                servers.add(router);
                HttpClient probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                ServeBenchmark.awaitServing(probe, whole.port(), "g");
                ServeBenchmark.awaitServing(probe, router.port(), "g");
                List<String> queries = SearchBenchmark.queries(c.spec());
                // Warm: the JIT, and every page the queries read into each server's page cache.
                ServeBenchmark.load(whole.port(), queries, 4, Duration.ofSeconds(5));
                ServeBenchmark.load(router.port(), queries, 4, Duration.ofSeconds(5));
                double[] before = requestsPerQuery(probe, router.port());
                for (int clients : clientCounts) {
                    List<Double> routedQps = new ArrayList<>();
                    List<Double> wholeQps = new ArrayList<>();
                    List<Double> routedP50 = new ArrayList<>();
                    List<Double> wholeP50 = new ArrayList<>();
                    List<Double> routedP99 = new ArrayList<>();
                    List<Double> wholeP99 = new ArrayList<>();
                    List<Double> qpsRatios = new ArrayList<>();
                    List<Double> p50Ratios = new ArrayList<>();
                    int errors = 0;
                    for (int run = 0; run < Math.max(3, c.runs()); run++) {
                        boolean routerFirst = run % 2 == 0;
                        ServeBenchmark.Load first = ServeBenchmark.load(routerFirst ? router.port() : whole.port(), queries, clients, window);
                        ServeBenchmark.Load second = ServeBenchmark.load(routerFirst ? whole.port() : router.port(), queries, clients, window);
                        ServeBenchmark.Load routed = routerFirst ? first : second;
                        ServeBenchmark.Load one = routerFirst ? second : first;
                        errors += routed.errors() + one.errors();
                        routedQps.add(routed.qps());
                        wholeQps.add(one.qps());
                        routedP50.add(Stats.median(routed.latencies()));
                        wholeP50.add(Stats.median(one.latencies()));
                        routedP99.add(Stats.percentile(routed.latencies(), 99));
                        wholeP99.add(Stats.percentile(one.latencies(), 99));
                        qpsRatios.add(routed.qps() / one.qps());
                        p50Ratios.add(Stats.median(routed.latencies()) / Stats.median(one.latencies()));
                        c.say("routed: %d clients, pair %d: router %.0f q/s p50 %.2f ms p99 %.2f ms; one node %.0f q/s p50 %.2f ms p99 %.2f ms",
                                clients, run + 1, routed.qps(), Stats.median(routed.latencies()), Stats.percentile(routed.latencies(), 99),
                                one.qps(), Stats.median(one.latencies()), Stats.percentile(one.latencies(), 99));
                    }
                    String label = clients + " client" + (clients > 1 ? "s" : "");
                    String pairs = Math.max(3, c.runs()) + " pairs of " + window.toSeconds() + " s windows";
                    report.add(new Report.Row("routed", "queries/s, " + label + ": router + " + SHARDS + " shards vs one node",
                            Stats.median(routedQps), Stats.median(wholeQps), Stats.median(qpsRatios), "q/s", "", null, pairs));
                    report.add(new Report.Row("routed", "p50 latency, " + label + ": router + shards vs one node", Stats.median(routedP50),
                            Stats.median(wholeP50), Stats.median(p50Ratios), "ms", "", null, "k=10, over HTTP, one machine"));
                    report.add(new Report.Row("routed", "p99 latency, " + label + ": router + shards vs one node", Stats.median(routedP99),
                            Stats.median(wholeP99), "ms", "", null, ""));
                    report.add(new Report.Row("routed", "failed queries, " + label, errors, Double.NaN, "queries", "0", errors == 0, ""));
                }
                double[] after = requestsPerQuery(probe, router.port());
                report.add(new Report.Row("routed", "requests to shard servers per query", (after[0] - before[0]) / (after[1] - before[1]),
                        Double.NaN, "requests", "", null, SHARDS + " shards: statistics, search and fetch (only the owners of the page's hits)"));
            } finally {
                for (AutoCloseable server : servers.reversed()) {
                    server.close();
                }
            }
            BenchContext.empty(collection);
        }
    }

    private static ServerConfig config(BenchContext c, ObjectStore collection, String cache, Reading reading) throws java.io.IOException {
        return ServerConfig.defaults(collection, c.scratch("routed-" + cache)).withAddress("127.0.0.1", 0).withPoll(Duration.ofMillis(500))
                .withThreads(c.threads()).withReading(reading);
    }

    /** The router's histogram of shard requests per query: its sum and count. */
    private static double[] requestsPerQuery(HttpClient client, int port) throws Exception {
        String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        double count = 0;
        for (String line : metrics.lines().toList()) {
            if (line.startsWith("ftindex_router_shard_requests_per_query_sum ")) {
                sum = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            } else if (line.startsWith("ftindex_router_shard_requests_per_query_count ")) {
                count = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        return new double[] {sum, count};
    }
}
