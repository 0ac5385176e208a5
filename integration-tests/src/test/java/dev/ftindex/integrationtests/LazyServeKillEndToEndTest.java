package dev.ftindex.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.testing.FaultyHttpProxy;
import dev.ftindex.objectstore.testing.S3ProxyServer;
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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ftindex serve --fetch lazy} killed with SIGKILL while queries fetch pages (through a
 * slow link to S3Proxy), then started again on the same cache directory: it uses the pages the
 * killed process left (each checked before use, torn ones fetched again) and answers every query
 * exactly as {@code ftindex search --fetch full} does (one process over the same queries).
 */
class LazyServeKillEndToEndTest {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();
    private static final String[] WORDS = ("index search partition lucene storage object finalizer worker commit segment merge query"
            + " distributed system file data record document field term score shard bucket cluster node retry crash network protocol")
            .split(" ");

    @TempDir
    Path temp;

    private final Ftindex ftindex = new Ftindex(Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY",
            S3ProxyServer.SECRET_KEY, "AWS_REGION", "us-east-1"));
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aLazyServerKilledWhileFetchingRestartsOnItsCacheAndAnswersCorrectly() throws Exception {
        String bucket = SERVER.newBucket();
        String collection = "s3://" + bucket + "/c";
        String direct = SERVER.endpoint().toString();
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        TestDocuments.write(temp.resolve("in/docs.jsonl"), TestDocuments.lines(0, 20_000, 51));
        ok(ftindex.run("build", "--collection", collection, "--generation", "g1", "--endpoint", direct, "--spec", spec.toString(), "--input",
                temp.resolve("in").toString(), "--workers", "2", "--threads", "1"));
        ok(ftindex.run("publish", "--collection", collection, "--generation", "g1", "--endpoint", direct));
        Path cache = temp.resolve("serve-cache");
        List<String> queries = queries(300);

        try (FaultyHttpProxy slow = FaultyHttpProxy.start(SERVER.endpoint(), request -> FaultyHttpProxy.Fault.NONE, Set.of(),
                Duration.ofMillis(40), 9)) {
            String[] serve = {"serve", "--collection", collection, "--endpoint", slow.endpoint().toString(), "--host", "127.0.0.1", "--port",
                "0", "--poll", "1s", "--cache-dir", cache.toString(), "--fetch", "lazy", "--page-size", "4096", "--threads", "2"};
            Ftindex.Running first = ftindex.start(serve);
            int port = port(first);
            awaitServing(port);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger answered = new AtomicInteger();
            Thread load = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        get(port, queries.get(i % queries.size()));
                        answered.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            load.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (answered.get() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(answered.get()).as("queries answered before the kill").isGreaterThanOrEqualTo(20);
            first.kill9();
            stop.set(true);
            load.join(10_000);
            long pagesLeft;
            try (var files = Files.walk(cache)) {
                pagesLeft = files.filter(path -> path.getFileName().toString().endsWith(".page")).count();
            }
            assertThat(pagesLeft).as("pages the killed server left on disk").isPositive();

            Ftindex.Running second = ftindex.start(serve);
            try {
                int again = port(second);
                awaitServing(again);
                List<String> checked = queries.subList(0, 60);
                StringBuilder topics = new StringBuilder();
                for (int q = 0; q < checked.size(); q++) {
                    topics.append('q').append(q).append('\t').append(checked.get(q)).append('\n');
                }
                Path run = temp.resolve("full.jsonl");
                ok(ftindex.run("search", "--collection", collection, "--endpoint", direct, "--fetch", "full", "--k", "20", "--cache-dir",
                        temp.resolve("cli-cache").toString(), "--queries", Files.writeString(temp.resolve("topics.tsv"), topics).toString(),
                        "--output", run.toString(), "--format", "jsonl"));
                List<String> lines = Files.readAllLines(run);
                assertThat(lines).hasSize(checked.size());
                for (int q = 0; q < checked.size(); q++) {
                    JsonNode served = get(again, checked.get(q));
                    JsonNode printed = Json.MAPPER.readTree(lines.get(q));
                    assertThat(printed.path("qid").asText()).isEqualTo("q" + q);
                    assertThat(served.path("hits")).as(checked.get(q)).isEqualTo(printed.path("hits"));
                    assertThat(served.path("totalHits")).as(checked.get(q)).isEqualTo(printed.path("totalHits"));
                }
                JsonNode pages = getJson(again, "/health").path("page_cache");
                assertThat(pages.path("hits").asLong()).as("pages of the killed run used again: %s", pages).isPositive();
            } finally {
                second.terminate();
                second.await();
            }
        }
    }

    private static List<String> queries(int count) {
        Random random = new Random(3);
        List<String> queries = new ArrayList<>();
        for (int q = 0; q < count; q++) {
            StringBuilder query = new StringBuilder(WORDS[random.nextInt(WORDS.length)]);
            for (int w = random.nextInt(3); w > 0; w--) {
                query.append(random.nextBoolean() ? " " : " OR ").append(WORDS[random.nextInt(WORDS.length)]);
            }
            queries.add(query.toString());
        }
        return queries;
    }

    private static int port(Ftindex.Running server) throws InterruptedException {
        String listening = server.awaitLine(line -> line.contains("listening on http://127.0.0.1:"), Duration.ofSeconds(60));
        assertThat(listening).as(server.stderrSoFar()).isNotNull();
        return Integer.parseInt(listening.replaceAll(".*127\\.0\\.0\\.1:(\\d+)/.*", "$1"));
    }

    private JsonNode get(int port, String query) throws Exception {
        return getJson(port, "/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&k=20");
    }

    private JsonNode getJson(int port, String path) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    private void awaitServing(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (getJson(port, "/health").path("serving").path("generation").asText("").equals("g1")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("g1 was not served in time");
    }

    private static Ftindex.Result ok(Ftindex.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }
}
