package dev.ftindex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.FetchMode;
import dev.ftindex.search.Reading;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.testing.Damage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code ftindex serve} over real sockets on 127.0.0.1, with real generations in a local collection. */
class SearchServerTest {
    private static final List<String> QUERIES = List.of("index", "search AND lucene", "\"object storage\"", "commit OR crash",
            "title:partition", "retry -network", "data*", "cluster node");

    @TempDir
    Path temp;

    @RegisterExtension
    final Closer closing = new Closer();

    /** A local collection seen as a store elsewhere: its generations are fetched into the cache, as from S3 in full mode. */
    private ObjectStore collection() {
        ObjectStore store = new DelegatingStore(ObjectStores.local(temp.resolve("collection"))) {};
        closing.add(store);
        return store;
    }

    private SearchServer start(ObjectStore store) {
        return start(store, Reading.defaults());
    }

    private SearchServer start(ObjectStore store, Reading reading) {
        ServerConfig config = ServerConfig.defaults(store, temp.resolve("cache")).withAddress("127.0.0.1", 0)
                .withPoll(Duration.ofMillis(100)).withThreads(2).withReading(reading);
        SearchServer server = SearchServer.start(config);
        closing.add(server);
        return server;
    }

    @Test
    void notReadyUntilAVerifiedGenerationIsOpenThenAnswersAsTheCliDoes() throws Exception {
        ObjectStore collection = collection();
        Generations.build(collection, "g1", 1, temp);
        SearchServer server = start(collection);
        Http http = new Http(server.port());

        assertThat(http.get("/livez").status()).isEqualTo(200);
        assertThat(http.get("/readyz").status()).as("nothing is published yet").isEqualTo(503);
        Http.Response early = http.search("index", 10);
        assertThat(early.status()).isEqualTo(503);
        assertThat(early.json().path("error").path("kind").asText()).isEqualTo("not-ready");
        assertThat(early.headers().firstValue("Retry-After")).isPresent();
        JsonNode starting = http.get("/health").json();
        assertThat(starting.path("status").asText()).isEqualTo("starting");
        assertThat(starting.path("last_poll").path("generation").isNull()).isTrue();

        Generations.publish(collection, "g1");
        JsonNode health = http.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(30), "g1 to be served");
        assertThat(http.get("/readyz").status()).isEqualTo(200);
        assertThat(health.path("serving").path("documents").asLong()).isEqualTo(Generations.DOCS);
        assertThat(health.path("serving").path("partitions").asInt()).isEqualTo(2);
        assertThat(health.path("serving").path("committed_at").asText()).isNotEmpty();

        // The same results as a CommittedIndex over the same generation (what `ftindex search --json` prints).
        ObjectStore root = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("g1"));
        try (CommittedIndex direct = CommittedIndex.open(root, temp.resolve("direct-cache"), 2, Progress.silent())) {
            for (String query : QUERIES) {
                SearchResult expected = direct.search(query, 25);
                JsonNode actual = http.search(query, 25).json();
                assertThat(actual.path("verb").asText()).isEqualTo("search");
                assertThat(actual.path("generation").asText()).isEqualTo("g1");
                assertThat(actual.path("index").asText()).isEqualTo(root.location());
                assertThat(actual.path("totalHits").asLong()).as(query).isEqualTo(expected.totalHits());
                List<String> ids = new ArrayList<>();
                actual.path("hits").forEach(hit -> ids.add(hit.path("id").asText()));
                assertThat(ids).as(query).isEqualTo(expected.hits().stream().map(SearchResult.Hit::id).toList());
                for (int i = 0; i < expected.hits().size(); i++) {
                    assertThat((float) actual.path("hits").get(i).path("score").asDouble()).isEqualTo(expected.hits().get(i).score());
                }
            }
        }

        Http.Response bad = http.get("/search?q=title%3A%28");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("error").path("kind").asText()).isEqualTo("invalid-query");
        assertThat(bad.json().path("error").path("message").asText()).contains("cannot parse").contains("title:(");
        assertThat(http.get("/search?q=index&k=0").status()).isEqualTo(400);
        assertThat(http.get("/search?k=3").status()).isEqualTo(400);
        assertThat(http.get("/nowhere").status()).isEqualTo(404);
        JsonNode restricted = http.get("/search?q=index&k=5&fields=year").json();
        restricted.path("hits").forEach(hit -> assertThat(hit.path("fields").properties()).extracting(Map.Entry::getKey).containsOnly("year"));
        Http.Response page = http.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.body()).contains("<form id=\"search\"");
    }

    @Test
    void sixteenClientsSeeOneWholeGenerationPerQueryWhileTheAliasIsSwappedFiveTimes() throws Exception {
        ObjectStore collection = collection();
        List<String> generations = List.of("g0", "g1", "g2", "g3", "g4", "g5");
        for (int i = 0; i < generations.size(); i++) {
            Generations.build(collection, generations.get(i), 100 + i, temp);
        }
        Generations.publish(collection, "g0");
        SearchServer server = start(collection);
        Http http = new Http(server.port());
        http.awaitHealth(h -> Http.serving(h, "g0"), Duration.ofSeconds(30), "g0 to be served");

        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Map<String, AtomicLong> answeredBy = new ConcurrentHashMap<>();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            int client = c;
            clients.add(Thread.ofPlatform().name("client-" + c).start(() -> {
                Http own = new Http(server.port());
                int n = 0;
                while (running.get()) {
                    String query = QUERIES.get((client + n++) % QUERIES.size());
                    try {
                        Http.Response response = own.search(query, 20);
                        if (response.status() != 200) {
                            failures.add(query + ": HTTP " + response.status() + " " + response.body());
                            continue;
                        }
                        JsonNode json = response.json();
                        String generation = json.path("generation").asText();
                        String marker = Generations.marker(generation);
                        for (JsonNode hit : json.path("hits")) {
                            List<String> tags = new ArrayList<>();
                            hit.path("fields").path("tags").forEach(tag -> tags.add(tag.asText()));
                            if (hit.path("fields").path("tags").isTextual()) {
                                tags.add(hit.path("fields").path("tags").asText());
                            }
                            if (!tags.contains(marker)) {
                                failures.add(query + ": a hit of " + generation + " carries tags " + tags);
                            }
                        }
                        answeredBy.computeIfAbsent(generation, g -> new AtomicLong()).incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(query + ": " + e);
                    }
                }
            }));
        }
        try {
            for (String generation : generations.subList(1, generations.size())) {
                long before = answeredBy.values().stream().mapToLong(AtomicLong::get).sum();
                Generations.publish(collection, generation);
                http.awaitHealth(h -> Http.serving(h, generation), Duration.ofSeconds(60), generation + " to be served");
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (answeredBy.getOrDefault(generation, new AtomicLong()).get() < 20 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(answeredBy.values().stream().mapToLong(AtomicLong::get).sum()).isGreaterThan(before);
            }
        } finally {
            running.set(false);
            for (Thread client : clients) {
                client.join(30_000);
            }
        }
        assertThat(failures).as("failed or mixed queries").isEmpty();
        assertThat(answeredBy.keySet()).containsAll(generations);

        JsonNode health = http.awaitHealth(h -> h.path("updates").get(0).path("status").asText().equals("complete"), Duration.ofSeconds(30),
                "the last update to complete");
        List<JsonNode> updates = new ArrayList<>();
        health.path("updates").forEach(updates::add);
        assertThat(updates).extracting(u -> u.path("generation").asText()).containsExactly("g5", "g4", "g3", "g2", "g1", "g0");
        for (JsonNode update : updates) {
            assertThat(update.path("status").asText()).isEqualTo("complete");
            assertThat(update.path("stage").asText()).isEqualTo("swapping");
            List<String> steps = new ArrayList<>();
            update.path("steps").forEach(step -> steps.add(step.path("stage").asText()));
            assertThat(steps).containsExactly("resolving", "fetching", "verifying", "opening", "warming", "swapping");
            assertThat(update.path("files_done").asLong()).isEqualTo(update.path("files_total").asLong()).isPositive();
            assertThat(update.path("bytes_done").asLong()).isEqualTo(update.path("bytes_total").asLong()).isPositive();
            assertThat(update.path("started_at").asText()).isNotEmpty();
            assertThat(update.path("elapsed_ms").asLong()).isNotNegative();
        }
        long elapsed = updates.getFirst().path("elapsed_ms").asLong();
        Thread.sleep(50);
        assertThat(http.get("/health").json().path("updates").get(0).path("elapsed_ms").asLong()).as("frozen once finished").isEqualTo(elapsed);
        // Old generations' cache files are removed once no query holds them.
        String served = health.path("serving").path("index_id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> cached;
        do {
            try (Stream<Path> entries = Files.list(temp.resolve("cache"))) {
                cached = entries.map(p -> p.getFileName().toString()).toList();
            }
        } while (cached.size() > 1 && System.nanoTime() < deadline);
        assertThat(cached).containsExactly(served);
    }

    @Test
    void aCorruptOrIncompleteNewGenerationKeepsTheOldOneServingAndShowsAsFailed() throws Exception {
        ObjectStore collection = collection();
        Generations.build(collection, "good", 1, temp);
        ObjectStore corrupt = Generations.build(collection, "corrupt", 2, temp);
        ObjectStore incomplete = Generations.build(collection, "incomplete", 3, temp);
        Generations.build(collection, "fixed", 4, temp);
        Generations.publish(collection, "good");
        SearchServer server = start(collection);
        Http http = new Http(server.port());
        http.awaitHealth(h -> Http.serving(h, "good"), Duration.ofSeconds(30), "good to be served");

        // A byte in the middle of a file flips after the publish checked the footers: only a full read finds it.
        ObjectInfo victim = largest(corrupt);
        flipMiddleByte(corrupt, victim);
        Generations.publish(collection, "corrupt");
        JsonNode failed = http.awaitHealth(h -> h.path("updates").get(0).path("generation").asText().equals("corrupt")
                && h.path("updates").get(0).path("status").asText().equals("failed"), Duration.ofSeconds(30), "the corrupt update to fail");
        JsonNode update = failed.path("updates").get(0);
        assertThat(update.path("stage").asText()).isEqualTo("fetching");
        assertThat(update.path("message").asText()).contains(victim.key().substring(victim.key().lastIndexOf('/') + 1));
        assertThat(failed.path("serving").path("generation").asText()).isEqualTo("good");
        assertThat(http.get("/readyz").status()).isEqualTo(200);
        JsonNode answer = http.search("index", 10).json();
        assertThat(answer.path("generation").asText()).isEqualTo("good");
        // The next poll tries again (and fails again): the attempt count grows, the list does not.
        JsonNode retried = http.awaitHealth(h -> h.path("updates").get(0).path("attempt").asInt() >= 2, Duration.ofSeconds(30), "a retry");
        assertThat(retried.path("updates")).hasSize(2);

        // A missing file (deleted after the publish) fails the same way.
        StoredJson.read(incomplete, IndexLayout.METADATA, IndexMetadata.class);
        Generations.publish(collection, "incomplete");
        incomplete.delete(largest(incomplete).key());
        JsonNode missing = http.awaitHealth(h -> h.path("updates").get(0).path("generation").asText().equals("incomplete")
                && h.path("updates").get(0).path("status").asText().equals("failed"), Duration.ofSeconds(30), "the incomplete update to fail");
        assertThat(missing.path("serving").path("generation").asText()).isEqualTo("good");
        assertThat(http.search("index", 10).json().path("generation").asText()).isEqualTo("good");

        Generations.publish(collection, "fixed");
        http.awaitHealth(h -> Http.serving(h, "fixed"), Duration.ofSeconds(30), "fixed to be served");
        assertThat(http.search("index", 10).json().path("generation").asText()).isEqualTo("fixed");
        String metrics = http.get("/metrics").body();
        assertThat(PrometheusText.sample(metrics, "ftindex_update_failures_total", Map.of())).isGreaterThanOrEqualTo(3.0);
    }

    @Test
    void aGenerationThatFailsToLoadIsRetriedWithBackoffAndItsErrorLoggedOnce() throws Exception {
        ObjectStore collection = collection();
        Generations.build(collection, "good", 1, temp);
        ObjectStore corrupt = Generations.build(collection, "corrupt", 2, temp);
        Generations.build(collection, "other", 3, temp);
        Generations.publish(collection, "good");
        ObjectInfo victim = largest(corrupt);
        String victimKey = CollectionLayout.generationPrefix("corrupt") + victim.key();
        AtomicLong victimReads = new AtomicLong();
        ObjectStore counting = new dev.ftindex.objectstore.testing.DelegatingStore(collection) {
            @Override
            public ObjectStream get(String key, dev.ftindex.objectstore.ByteRange range) {
                if (key.equals(victimKey)) {
                    victimReads.incrementAndGet();
                }
                return super.get(key, range);
            }
        };
        List<java.util.logging.LogRecord> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(Serving.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue() && record.getMessage().contains("corrupt")) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(handler);
        closing.add(() -> log.removeHandler(handler));
        SearchServer server = start(counting);
        Http http = new Http(server.port());
        http.awaitHealth(h -> Http.serving(h, "good"), Duration.ofSeconds(30), "good to be served");

        flipMiddleByte(corrupt, victim);
        Generations.publish(collection, "corrupt");
        http.awaitHealth(h -> h.path("updates").get(0).path("status").asText().equals("failed"), Duration.ofSeconds(30), "the first failure");
        // 3 s at a 100 ms poll: 30 attempts without backoff; with it (0.1, 0.2, 0.4, 0.8, 1.6 s) at most 6.
        Thread.sleep(3_000);
        JsonNode health = http.get("/health").json();
        JsonNode update = health.path("updates").get(0);
        int attempts = update.path("attempt").asInt();
        assertThat(attempts).as("attempts in 3 s").isBetween(2, 6);
        assertThat(victimReads.get()).as("the corrupt file is fetched once per attempt, not once per poll").isLessThanOrEqualTo(2L * attempts);
        assertThat(update.path("status").asText()).isEqualTo("failed");
        assertThat(java.time.Instant.parse(update.path("next_retry_at").asText())).isAfter(java.time.Instant.parse(update.path("updated_at").asText()));
        String fileName = victim.key().substring(victim.key().lastIndexOf('/') + 1);
        assertThat(update.path("message").asText().split(java.util.regex.Pattern.quote(fileName), -1)).as("the file named once").hasSize(2);
        assertThat(warnings).as("the same error again is not a new warning").hasSize(1);
        assertThat(warnings.getFirst().getMessage().split(java.util.regex.Pattern.quote(fileName), -1)).hasSize(2);
        assertThat(health.path("serving").path("generation").asText()).isEqualTo("good");

        // The alias moves: the backoff starts over.
        Generations.publish(collection, "other");
        http.awaitHealth(h -> Http.serving(h, "other"), Duration.ofSeconds(30), "other to be served");
        Generations.publish(collection, "corrupt");
        JsonNode again = http.awaitHealth(h -> h.path("updates").get(0).path("generation").asText().equals("corrupt")
                && h.path("updates").get(0).path("status").asText().equals("failed"), Duration.ofSeconds(30), "corrupt to fail again");
        assertThat(again.path("updates").get(0).path("attempt").asInt()).as("reset when the alias moved").isLessThanOrEqualTo(2);
    }

    @Test
    void anOverLongRequestLineIsAnswered414WithTheJsonErrorBody() throws Exception {
        ObjectStore collection = collection();
        SearchServer server = start(collection);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(30_000);
            String request = "GET /search?q=" + "a".repeat(1_000_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 414");
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);
            JsonNode json = dev.ftindex.format.Json.MAPPER.readTree(body);
            assertThat(json.path("status").asText()).isEqualTo("failed");
            assertThat(json.path("error").path("kind").asText()).isEqualTo("uri-too-long");
            assertThat(json.path("error").path("message").asText()).contains(String.valueOf(SearchServer.MAX_URI_CHARS));
        }
        assertThat(new Http(server.port()).get("/livez").status()).as("the server goes on").isEqualTo(200);
    }

    @Test
    void aLocalCollectionIsServedWhereItLiesAfterEveryByteWasRead() throws Exception {
        ObjectStore collection = ObjectStores.local(temp.resolve("local-collection"));
        closing.add(collection);
        Generations.build(collection, "good", 1, temp);
        ObjectStore corrupt = Generations.build(collection, "corrupt", 2, temp);
        Generations.publish(collection, "good");
        SearchServer server = start(collection);
        Http http = new Http(server.port());
        // Served as soon as it is swapped in; its update completes (and lists the swap as a step that ended) just after.
        JsonNode health = http.awaitHealth(h -> Http.serving(h, "good") && h.path("updates").get(0).path("status").asText().equals("complete"),
                Duration.ofSeconds(30), "good to be served");
        List<String> steps = new ArrayList<>();
        health.path("updates").get(0).path("steps").forEach(step -> steps.add(step.path("stage").asText()));
        assertThat(steps).containsExactly("resolving", "verifying", "opening", "warming", "swapping");
        assertThat(health.path("updates").get(0).path("bytes_done").asLong()).as("every byte read")
                .isEqualTo(StoredJson.read(ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("good")), IndexLayout.METADATA,
                        IndexMetadata.class).totals().bytes());
        assertThat(http.search("index", 10).json().path("hits")).hasSize(10);
        assertThat(Files.exists(temp.resolve("cache").resolve(health.path("serving").path("index_id").asText()))).as("no copy").isFalse();

        ObjectInfo victim = largest(corrupt);
        flipMiddleByte(corrupt, victim);
        Generations.publish(collection, "corrupt");
        JsonNode failed = http.awaitHealth(h -> h.path("updates").get(0).path("generation").asText().equals("corrupt")
                && h.path("updates").get(0).path("status").asText().equals("failed"), Duration.ofSeconds(30), "the corrupt update to fail");
        assertThat(failed.path("updates").get(0).path("stage").asText()).isEqualTo("verifying");
        assertThat(failed.path("updates").get(0).path("message").asText()).contains(victim.key().substring(victim.key().lastIndexOf('/') + 1));
        assertThat(http.search("index", 10).json().path("generation").asText()).isEqualTo("good");
    }

    @Test
    void metricsAreValidPrometheusText() throws Exception {
        // On S3 (S3Proxy) in full mode, so that the generation is downloaded into the cache ftindex_cache_bytes counts.
        ObjectStore collection = ObjectStores.open(new StoreLocation.S3(S3ProxyServer.shared().newBucket(), ""),
                S3ProxyServer.shared().settings().build(), Map.of());
        closing.add(collection);
        Generations.build(collection, "g1", 1, temp);
        Generations.publish(collection, "g1");
        SearchServer server = start(collection, new Reading(FetchMode.FULL, 1L << 30, 65536));
        Http http = new Http(server.port());
        http.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(30), "g1 to be served");
        for (int i = 0; i < 7; i++) {
            assertThat(http.search(QUERIES.get(i), 10).status()).isEqualTo(200);
        }
        assertThat(http.get("/search?q=%28").status()).isEqualTo(400);

        Http.Response response = http.get("/metrics");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        PrometheusText.Parsed parsed = PrometheusText.parse(response.body());
        assertThat(parsed.families()).containsKeys("ftindex_query_duration_seconds", "ftindex_queries_total", "ftindex_serving_generation_info",
                "ftindex_serving_generation_age_seconds", "ftindex_update_duration_seconds", "ftindex_update_failures_total", "ftindex_cache_bytes",
                "ftindex_page_cache_hits_total", "ftindex_page_cache_misses_total", "ftindex_store_reads_total", "ftindex_corrupt_pages_total",
                "jvm_memory_used_bytes", "jvm_threads_current");
        assertThat(parsed.families().get("ftindex_query_duration_seconds")).isEqualTo("histogram");
        assertThat(PrometheusText.sample(response.body(), "ftindex_queries_total", Map.of("outcome", "ok"))).isEqualTo(7.0);
        assertThat(PrometheusText.sample(response.body(), "ftindex_queries_total", Map.of("outcome", "bad_request"))).isEqualTo(1.0);
        assertThat(PrometheusText.sample(response.body(), "ftindex_query_duration_seconds_count", Map.of())).isEqualTo(8.0);
        assertThat(PrometheusText.sample(response.body(), "ftindex_serving_generation_info", Map.of("generation", "g1"))).isEqualTo(1.0);
        assertThat(PrometheusText.sample(response.body(), "ftindex_update_duration_seconds_count", Map.of("status", "complete"))).isEqualTo(1.0);
        assertThat(PrometheusText.sample(response.body(), "ftindex_cache_bytes", Map.of())).isPositive();
    }

    @Test
    void servesAnIndexRootOnceItIsCommitted() throws Exception {
        ObjectStore collection = collection();
        ObjectStore root = Generations.build(collection, "only", 1, temp);
        SearchServer server = start(ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("only")));
        Http http = new Http(server.port());
        JsonNode health = http.awaitHealth(h -> h.path("status").asText().equals("serving"), Duration.ofSeconds(30), "the root to be served");
        assertThat(health.path("source").path("kind").asText()).isEqualTo("index");
        assertThat(health.has("building")).isFalse();
        assertThat(health.path("serving").path("index_id").asText())
                .isEqualTo(StoredJson.read(root, IndexLayout.METADATA, IndexMetadata.class).indexId());
        assertThat(http.search("index", 3).json().path("hits")).hasSize(3);
    }

    @Test
    void healthShowsTheGenerationBeingBuiltWithItsMissingPartitions() throws Exception {
        ObjectStore collection = collection();
        Generations.build(collection, "g1", 1, temp);
        Generations.publish(collection, "g1");
        // g3: one partition of two staged, no commit: a build in progress.
        Generations.stage(collection, "g3", 3, 0, temp);
        SearchServer server = start(collection);
        Http http = new Http(server.port());
        JsonNode health = http.awaitHealth(h -> h.path("building").size() > 0, Duration.ofSeconds(30), "the build to show");
        JsonNode g3 = health.path("building").get(0);
        assertThat(g3.path("generation").asText()).isEqualTo("g3");
        assertThat(g3.path("stagedPartitions").asInt()).isEqualTo(1);
        assertThat(g3.path("expectedPartitions").asInt()).isEqualTo(2);
        assertThat(g3.path("missing")).extracting(JsonNode::asLong).containsExactly(1L);
        assertThat(g3.path("verdict").path("action").asText()).isEqualTo("wait");
    }

    private static ObjectInfo largest(ObjectStore root) {
        return root.list("part_").stream().max(java.util.Comparator.comparingLong(ObjectInfo::size)).orElseThrow();
    }

    private static void flipMiddleByte(ObjectStore root, ObjectInfo file) throws Exception {
        Damage.flipByte(root, file.key(), file.size() / 2);
    }
}
