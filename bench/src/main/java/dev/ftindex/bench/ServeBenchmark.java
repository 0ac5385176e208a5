package dev.ftindex.bench;

import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.finalizer.Publisher;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.server.SearchServer;
import dev.ftindex.server.ServerConfig;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * 8. {@code ftindex serve} under load: queries per second and latency (p50, p99) at 1, 4 and 16
 * concurrent HTTP clients (keep-alive, on 127.0.0.1), steady and while the alias is swapped
 * between two generations of the corpus again and again (each swap fetches, verifies, opens and
 * warms the whole other generation from the S3 server while queries run). Steady and swapping
 * windows alternate, so each pair ran side by side on the same machine state; the figures are
 * medians over the pairs. Target: p99 during swaps within 1.5x of steady, and no failed query.
 */
final class ServeBenchmark {
    private static final int K = 10;

    private ServeBenchmark() {}

    static void run(BenchContext c, Report report, List<Integer> clientCounts, Duration window) throws Exception {
        String bucket = c.s3().newBucket();
        try (ObjectStore collection = ObjectStores.open(new StoreLocation.S3(bucket, "products/"), c.s3().settings().build(), Map.of())) {
            // Two builds of the same corpus: the same documents, different index ids, so every swap fetches everything.
            for (String generation : List.of("a", "b")) {
                long start = System.nanoTime();
                build(c, collection, generation);
                c.say("serve: built generation %s in %.1f s", generation, (System.nanoTime() - start) / 1e9);
            }
            Publisher publisher = new Publisher(collection, 16, Progress.silent());
            publisher.publish("a");
            ServerConfig config = ServerConfig.defaults(collection, c.scratch("serve-cache")).withAddress("127.0.0.1", 0)
                    .withPoll(Duration.ofMillis(200)).withThreads(c.threads());
            List<String> queries = SearchBenchmark.queries(c.spec());
            try (SearchServer server = SearchServer.start(config)) {
                HttpClient probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                awaitServing(probe, server.port(), "a");
                // Warm: the JIT, the page cache and the server's recent queries.
                load(server.port(), queries, 4, Duration.ofSeconds(5));
                String serving = "a";
                for (int clients : clientCounts) {
                    List<Double> steadyQps = new ArrayList<>();
                    List<Double> swapQps = new ArrayList<>();
                    List<Double> steadyP50 = new ArrayList<>();
                    List<Double> swapP50 = new ArrayList<>();
                    List<Double> steadyP99 = new ArrayList<>();
                    List<Double> swapP99 = new ArrayList<>();
                    List<Double> p99Ratios = new ArrayList<>();
                    int errors = 0;
                    int swaps = 0;
                    for (int run = 0; run < Math.max(3, c.runs()); run++) {
                        Load steady = load(server.port(), queries, clients, window);
                        AtomicBoolean swapping = new AtomicBoolean(true);
                        AtomicInteger swapsDone = new AtomicInteger();
                        String[] current = {serving};
                        Thread swapper = Thread.ofPlatform().name("swapper").start(() -> {
                            try {
                                while (swapping.get()) {
                                    String next = current[0].equals("a") ? "b" : "a";
                                    publisher.publish(next);
                                    awaitServing(probe, server.port(), next);
                                    current[0] = next;
                                    swapsDone.incrementAndGet();
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
                        Load during = load(server.port(), queries, clients, window);
                        swapping.set(false);
                        swapper.join();
                        serving = current[0];
                        swaps += swapsDone.get();
                        errors += steady.errors() + during.errors();
                        steadyQps.add(steady.qps());
                        swapQps.add(during.qps());
                        steadyP50.add(Stats.median(steady.latencies()));
                        swapP50.add(Stats.median(during.latencies()));
                        steadyP99.add(Stats.percentile(steady.latencies(), 99));
                        swapP99.add(Stats.percentile(during.latencies(), 99));
                        p99Ratios.add(Stats.percentile(during.latencies(), 99) / Stats.percentile(steady.latencies(), 99));
                        c.say("serve: %d clients, pair %d: steady %.0f q/s p99 %.2f ms; swapping (%d swaps) %.0f q/s p99 %.2f ms; errors %d",
                                clients, run + 1, steady.qps(), Stats.percentile(steady.latencies(), 99), swapsDone.get(), during.qps(),
                                Stats.percentile(during.latencies(), 99), steady.errors() + during.errors());
                    }
                    String label = clients + " client" + (clients > 1 ? "s" : "");
                    String pairs = Math.max(3, c.runs()) + " pairs of " + window.toSeconds() + " s windows, " + swaps + " swaps";
                    report.add(new Report.Row("serve", "queries/s, " + label + ": swapping vs steady", Stats.median(swapQps), Stats.median(steadyQps),
                            "q/s", "", null, pairs));
                    report.add(new Report.Row("serve", "p50 latency, " + label + ": swapping vs steady", Stats.median(swapP50), Stats.median(steadyP50),
                            "ms", "", null, "k=" + K + ", over HTTP"));
                    report.add(new Report.Row("serve", "p99 latency, " + label + ": swapping vs steady", Stats.median(swapP99), Stats.median(steadyP99),
                            Stats.median(p99Ratios), "ms", "ratio <= 1.5", Stats.median(p99Ratios) <= 1.5, "median of paired ratios"));
                    report.add(new Report.Row("serve", "failed queries, " + label, errors, Double.NaN, "queries", "0", errors == 0, ""));
                }
            }
            BenchContext.empty(collection);
        }
    }

    private static void build(BenchContext c, ObjectStore collection, String generation) throws Exception {
        build(c, collection, generation, 2);
    }

    /** Builds and commits generation {@code generation} of the corpus in {@code partitions} partitions. */
    static void build(BenchContext c, ObjectStore collection, String generation, int partitions) throws Exception {
        ObjectStore root = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix(generation));
        for (int p = 0; p < partitions; p++) {
            WorkerConfig config = WorkerConfig.builder(c.spec(), List.of(c.corpus().file().toString()), p)
                    .partitions(Optional.of(partitions)).threads(c.threads()).ramBufferMb(c.ramBufferMb())
                    .workDirectory(Optional.of(c.scratch("serve-work"))).build();
            new Worker(root, config, location -> {
                throw new IllegalArgumentException(location.uri());
            }, Progress.silent()).run();
        }
        new Finalizer(root, FinalizerConfig.defaults(), Progress.silent()).run();
    }

    record Load(List<Double> latencies, int errors, double qps) {}

    /** {@code clients} threads, each with its own keep-alive connection, querying for {@code window}. */
    static Load load(int port, List<String> queries, int clients, Duration window) throws InterruptedException {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        long end = System.nanoTime() + window.toNanos();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < clients; t++) {
            int offset = t * 37;
            threads.add(Thread.ofPlatform().name("client-" + t).start(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                int n = offset;
                while (System.nanoTime() < end) {
                    String query = queries.get(n++ % queries.size());
                    URI uri = URI.create("http://127.0.0.1:" + port + "/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&k=" + K);
                    long begin = System.nanoTime();
                    try {
                        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200) {
                            latencies.add((System.nanoTime() - begin) / 1e6);
                        } else {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Load(new ArrayList<>(latencies), errors.get(), latencies.size() / seconds);
    }

    static void awaitServing(HttpClient client, int port, String generation) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (Json.MAPPER.readTree(health.body()).path("serving").path("generation").asText("").equals(generation)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("generation " + generation + " was not served within 10 minutes");
    }
}
