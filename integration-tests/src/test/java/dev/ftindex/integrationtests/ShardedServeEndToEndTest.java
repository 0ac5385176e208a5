package dev.ftindex.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.Json;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One generation served by several processes, as issue 23 asks to show it: a collection of six
 * partitions on S3Proxy, three shard servers ({@code --partitions 0-2} twice, {@code 3-5} once),
 * one router, all separate {@code ftindex serve} processes on 127.0.0.1.
 *
 * <ol>
 *   <li>200 queries through the router give exactly the hits (ids, scores, order, stored fields)
 *       of one {@code serve} over the whole generation.
 *   <li>16 clients query while one replica of 0-2 is killed with SIGKILL: no query fails.
 *   <li>16 clients query while a new generation is published: no query fails and no answer holds
 *       hits of two generations (every id carries its generation).
 *   <li>A replica stopped with SIGSTOP: queries are answered through the other one, or fail
 *       within the deadline; the only server of 3-5 stopped: queries fail with 503 within it.
 * </ol>
 *
 * The bundled sample by default; {@code -Dftindex.corpus=/path/corpus.jsonl} (the real corpus of
 * ../shared/corpus) for the run docs/benchmarks.md reports.
 */
class ShardedServeEndToEndTest {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();
    private static final Duration SHARD_TIMEOUT = Duration.ofSeconds(2);
    private static final int CLIENTS = 16;

    @TempDir
    Path temp;

    private final Ftindex ftindex = new Ftindex(Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY",
            S3ProxyServer.SECRET_KEY, "AWS_REGION", "us-east-1"));
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Ftindex.Running> running = new ArrayList<>();

    @Test
    void threeShardServersAndARouterAnswerAsOneServerThroughKillsStopsAndAPublish() throws Exception {
        String bucket = SERVER.newBucket();
        String collection = "s3://" + bucket + "/c";
        String endpoint = SERVER.endpoint().toString();
        List<String> documents = documents();
        List<String> queries = queries(documents, 200);
        Path spec = Path.of("../samples/spec.json").toAbsolutePath().normalize();
        for (String generation : List.of("g1", "g2")) {
            Path input = temp.resolve("in-" + generation + "/docs.jsonl");
            Files.createDirectories(input.getParent());
            List<String> marked = new ArrayList<>(documents.size());
            for (String line : documents) {
                ObjectNode document = (ObjectNode) Json.MAPPER.readTree(line);
                document.put("id", generation + "-" + document.path("id").asText());
                marked.add(document.toString());
            }
            Files.write(input, marked);
            ok(ftindex.run("build", "--collection", collection, "--generation", generation, "--endpoint", endpoint, "--spec", spec.toString(),
                    "--input", input.toString(), "--workers", "6", "--threads", "1"));
        }
        ok(ftindex.run("publish", "--collection", collection, "--generation", "g1", "--endpoint", endpoint));

        try {
            int whole = port(serve(collection, endpoint, "whole"));
            Ftindex.Running first = serve(collection, endpoint, "a", "--partitions", "0-2");
            Ftindex.Running replica = serve(collection, endpoint, "a2", "--partitions", "0-2");
            Ftindex.Running second = serve(collection, endpoint, "b", "--partitions", "3-5");
            int[] shards = {port(first), port(replica), port(second)};
            Ftindex.Running routerProcess = start("serve", "--route", url(shards[0]) + "," + url(shards[1]) + "," + url(shards[2]), "--host",
                    "127.0.0.1", "--port", "0", "--refresh", "500ms", "--shard-timeout", SHARD_TIMEOUT.toMillis() + "ms");
            int router = port(routerProcess);
            awaitHealth(whole, health -> health.path("serving").path("generation").asText("").equals("g1"), "g1 on the whole server");
            awaitHealth(router, health -> health.path("serving").path("generation").asText("").equals("g1"), "g1 on the router");
            assertThat(get(router, "/health").json().path("serving").path("documents").asLong()).isEqualTo(documents.size());
            System.out.printf("ShardedServeEndToEndTest: %d documents in 6 partitions, %d queries%n", documents.size(), queries.size());

            // 1. The router's answers are the whole server's, query by query.
            for (String query : queries) {
                String path = "/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&k=10";
                JsonNode expected = get(whole, path).json();
                Response routed = get(router, path);
                assertThat(routed.status()).as(query + ": " + routed.body()).isEqualTo(200);
                assertThat(routed.json().path("hits")).as(query).isEqualTo(expected.path("hits"));
            }
            assertThat(queries.stream().filter(q -> get(whole, "/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8)).json()
                    .path("totalHits").asLong() > 0).count()).as("queries with hits").isGreaterThan(150);

            // 2. A replica killed under load.
            try (Load load = new Load(router, queries, CLIENTS)) {
                load.awaitAnswered(100);
                replica.kill9();
                load.awaitAnswered(load.answered() + 300);
                assertThat(load.failures()).isEmpty();
            }
            String retried = get(router, "/metrics").body();
            assertThat(retried).contains("ftindex_router_retries_total{shard=\"127.0.0.1:" + shards[1] + "\"}");

            // 3. A new generation published under load, the killed replica back on the same port.
            Ftindex.Running back = serve(collection, endpoint, "a2", "--partitions", "0-2", "--port", String.valueOf(shards[1]));
            port(back);
            awaitHealth(router, health -> countLive(health) == 3, "the replica back");
            try (Load load = new Load(router, queries, CLIENTS)) {
                load.awaitAnswered(100);
                ok(ftindex.run("publish", "--collection", collection, "--generation", "g2", "--endpoint", endpoint));
                awaitHealth(router, health -> health.path("serving").path("generation").asText("").equals("g2"), "g2 on the router");
                load.awaitAnswered(load.answered() + 300);
                assertThat(load.failures()).isEmpty();
                assertThat(load.generations()).containsExactlyInAnyOrder("g1", "g2");
            }

            // 4. A replica stopped: answered through the other, or failed within the deadline.
            first.signal("STOP");
            try (Load load = new Load(router, queries, 4)) {
                load.awaitAnswered(200);
                assertThat(load.failures()).allMatch(failure -> failure.startsWith("503") && failure.contains("within"));
                assertThat(load.slowest()).isLessThan(3 * SHARD_TIMEOUT.toNanos() + Duration.ofSeconds(2).toNanos());
            } finally {
                first.signal("CONT");
            }
            assertThat(get(router, "/metrics").body()).contains("ftindex_router_hedges_total{shard=\"127.0.0.1:" + shards[0] + "\"}");
            second.signal("STOP");
            try {
                long start = System.nanoTime();
                Response failed = get(router, "/search?q=" + URLEncoder.encode(queries.get(0), StandardCharsets.UTF_8));
                long took = System.nanoTime() - start;
                assertThat(failed.status()).as(failed.body()).isEqualTo(503);
                assertThat(took).isLessThan(3 * SHARD_TIMEOUT.toNanos() + Duration.ofSeconds(2).toNanos());
            } finally {
                second.signal("CONT");
            }
        } finally {
            for (Ftindex.Running process : running) {
                if (process.alive()) {
                    process.kill9();
                }
            }
        }
    }

    /** Clients querying in a loop until closed, recording what failed and which generations answered. */
    private final class Load implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger answered = new AtomicInteger();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final Set<String> generations = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();
        private final List<Thread> threads = new ArrayList<>();

        Load(int port, List<String> queries, int clients) {
            for (int c = 0; c < clients; c++) {
                int offset = c * 13;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = offset; !stop.get(); i++) {
                        String query = queries.get(i % queries.size());
                        long start = System.nanoTime();
                        Response response = get(port, "/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&k=10");
                        slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
                        if (response.status() != 200) {
                            failures.add(response.status() + " " + query + ": " + response.body());
                            continue;
                        }
                        Set<String> seen = new HashSet<>();
                        for (JsonNode hit : response.json().path("hits")) {
                            seen.add(hit.path("id").asText().substring(0, 2));
                        }
                        if (seen.size() > 1) {
                            failures.add("hits of generations " + seen + " in one answer to " + query);
                        }
                        generations.addAll(seen);
                        answered.incrementAndGet();
                    }
                }));
            }
        }

        int answered() {
            return answered.get();
        }

        void awaitAnswered(int count) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (answered.get() + failures.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(answered.get() + failures.size()).as("queries done").isGreaterThanOrEqualTo(count);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        Set<String> generations() {
            return generations;
        }

        long slowest() {
            return slowest.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(30_000);
            }
        }
    }

    private Ftindex.Running serve(String collection, String endpoint, String cache, String... more) {
        List<String> args = new ArrayList<>(List.of("serve", "--collection", collection, "--endpoint", endpoint, "--host", "127.0.0.1", "--port",
                "0", "--poll", "500ms", "--threads", "1", "--cache-dir", temp.resolve("cache-" + cache).toString()));
        for (int i = 0; i < more.length; i += 2) {
            int existing = args.indexOf(more[i]);
            if (existing >= 0) {
                args.set(existing + 1, more[i + 1]);
            } else {
                args.add(more[i]);
                args.add(more[i + 1]);
            }
        }
        return start(args.toArray(String[]::new));
    }

    private Ftindex.Running start(String... args) {
        Ftindex.Running process = ftindex.start(args);
        running.add(process);
        return process;
    }

    private static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    private static int countLive(JsonNode health) {
        int live = 0;
        for (JsonNode shard : health.path("shards")) {
            live += shard.path("live").asBoolean() ? 1 : 0;
        }
        return live;
    }

    /** The documents: the real corpus when {@code ftindex.corpus} names it, else the bundled sample. */
    private static List<String> documents() throws IOException {
        String corpus = System.getProperty("ftindex.corpus", "");
        if (!corpus.isBlank()) {
            return Files.readAllLines(Path.of(corpus));
        }
        List<String> lines = new ArrayList<>();
        try (var files = Files.list(Path.of("../samples/docs"))) {
            for (Path file : files.sorted().toList()) {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)),
                        StandardCharsets.UTF_8))) {
                    reader.lines().forEach(lines::add);
                }
            }
        }
        return lines;
    }

    /** Queries of one to three words of the documents' titles, some with OR, some phrases. */
    private static List<String> queries(List<String> documents, int count) throws IOException {
        Random random = new Random(23);
        List<String> words = new ArrayList<>(new LinkedHashSet<>(documents.stream().limit(20_000).flatMap(line -> {
            try {
                return java.util.Arrays.stream(Json.MAPPER.readTree(line).path("title").asText().toLowerCase(java.util.Locale.ROOT).split("[^a-z]+"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).filter(word -> word.length() >= 4).toList()));
        List<String> queries = new ArrayList<>();
        while (queries.size() < count) {
            String a = words.get(random.nextInt(words.size()));
            String b = words.get(random.nextInt(words.size()));
            queries.add(switch (random.nextInt(4)) {
                case 0 -> a;
                case 1 -> a + " " + b;
                case 2 -> a + " OR " + b;
                default -> "\"" + a + " " + b + "\" OR " + a;
            });
        }
        return queries;
    }

    private static int port(Ftindex.Running server) throws InterruptedException {
        String listening = server.awaitLine(line -> line.contains("listening on http://127.0.0.1:"), Duration.ofSeconds(90));
        assertThat(listening).as(server.stderrSoFar()).isNotNull();
        return Integer.parseInt(listening.replaceAll(".*127\\.0\\.0\\.1:(\\d+)/.*", "$1"));
    }

    record Response(int status, String body) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    private Response get(int port, String path) {
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Response(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response(0, e.toString());
        }
    }

    private void awaitHealth(int port, Predicate<JsonNode> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            Response health = get(port, "/health");
            last = health.body();
            if (health.status() == 200 && condition.test(health.json())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what + "; /health: " + last);
    }

    private static Ftindex.Result ok(Ftindex.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }
}
