package dev.ftindex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --partitions} shard servers and a {@code serve --route} router over them, over real
 * sockets on 127.0.0.1: the router answers exactly as one server over the whole generation (ids,
 * scores, order, stored fields, snippets), survives a replica that stops, fails or leaves out
 * partitions with no server as asked, relays a bad query as 400, and moves to a newly published
 * generation without one answer that mixes two.
 */
class RoutedServingTest {
    private static final List<String> QUERIES = List.of("index", "search AND lucene", "\"object storage\"", "commit OR crash",
            "title:partition", "retry -network", "data*", "cluster node", "the", "shard OR replica OR merge");

    @TempDir
    Path temp;

    @RegisterExtension
    final Closer closing = new Closer();

    private SearchServer serve(ObjectStore collection, PartitionSelection partitions, String cache) {
        return serve(collection, partitions, cache, Duration.ofMillis(100));
    }

    private SearchServer serve(ObjectStore collection, PartitionSelection partitions, String cache, Duration poll) {
        SearchServer server = SearchServer.start(ServerConfig.defaults(collection, temp.resolve(cache)).withAddress("127.0.0.1", 0)
                .withPoll(poll).withThreads(1).withPartitions(partitions));
        closing.add(server);
        return server;
    }

    private SearchServer route(Duration refresh, SearchServer... shards) {
        List<String> urls = new ArrayList<>();
        for (SearchServer shard : shards) {
            urls.add("http://127.0.0.1:" + shard.port());
        }
        SearchServer router = SearchServer.route(RouterConfig.defaults(urls).withAddress("127.0.0.1", 0).withRefresh(refresh)
                .withShardTimeout(Duration.ofSeconds(3), 95));
        closing.add(router);
        return router;
    }

    /** A local collection whose alias names {@code generation}, built from seed 1 in {@code partitions} partitions. */
    private ObjectStore collectionServing(String generation, int partitions) {
        ObjectStore collection = ObjectStores.local(temp.resolve("collection"));
        closing.add(collection);
        Generations.build(collection, generation, 1, temp, partitions);
        Generations.publish(collection, generation);
        return collection;
    }

    @Test
    void aRouterOverShardsAnswersAsOneServerAndSurvivesAReplicaThatStops() throws Exception {
        ObjectStore collection = collectionServing("g1", 5);
        Http whole = new Http(serve(collection, PartitionSelection.all(), "whole").port());
        SearchServer first = serve(collection, PartitionSelection.ranges("0-1"), "a");
        SearchServer replica = serve(collection, PartitionSelection.ranges("0-1"), "a2");
        SearchServer second = serve(collection, PartitionSelection.shard("1/2"), "b");
        for (SearchServer shard : List.of(first, replica, second)) {
            new Http(shard.port()).awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(30), "g1 on a shard");
        }
        // Refreshed at its start only: a replica that stops is found by the requests that fail.
        Http router = new Http(route(Duration.ofMinutes(5), first, replica, second).port());
        whole.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(30), "g1 on the whole server");
        JsonNode health = router.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(30), "g1 on the router");
        assertThat(health.path("source").path("kind").asText()).isEqualTo("router");
        assertThat(health.path("shards")).hasSize(3);
        for (JsonNode shard : health.path("shards")) {
            assertThat(shard.path("current").asText()).isEqualTo("g1");
            assertThat(shard.path("live").asBoolean()).isTrue();
        }
        assertThat(new Http(second.port()).get("/health").json().path("serving").path("held").toString()).isEqualTo("[2,3,4]");

        for (String query : QUERIES) {
            for (String page : List.of("&k=10", "&k=7&from=5&highlight=true")) {
                String path = "/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + page;
                JsonNode expected = whole.get(path).json();
                Http.Response routed = router.get(path);
                assertThat(routed.status()).as(path + ": " + routed.body()).isEqualTo(200);
                assertThat(routed.json().path("hits")).as(path).isEqualTo(expected.path("hits"));
                assertThat(routed.json().path("generation").asText()).isEqualTo("g1");
                if (expected.path("totalHitsRelation").asText().equals("eq")) {
                    assertThat(routed.json().path("totalHits")).as(path).isEqualTo(expected.path("totalHits"));
                }
            }
        }
        assertThat(expectedHits(whole, "index")).as("the test's queries find something").isPositive();

        Http.Response refused = router.get("/search?q=" + URLEncoder.encode("title:(unclosed", StandardCharsets.UTF_8));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("error").path("kind").asText()).isEqualTo("invalid-query");
        Http.Response direct = new Http(second.port()).search("index", 10);
        assertThat(direct.status()).as("a shard's own /search").isEqualTo(409);

        String metrics = router.get("/metrics").body();
        assertThat(metrics).contains("ftindex_router_shard_request_duration_seconds_count{outcome=\"ok\",phase=\"search\",shard=\"127.0.0.1:"
                + second.port() + "\"}");
        assertThat(metrics).contains("ftindex_router_shard_requests_per_query_count");

        // One replica of partitions 0-1 stops listening: every query is answered through the other.
        first.close();
        for (String query : QUERIES) {
            Http.Response routed = router.search(query, 10);
            assertThat(routed.status()).as(query + ": " + routed.body()).isEqualTo(200);
            assertThat(routed.json().path("hits")).as(query).isEqualTo(whole.search(query, 10).json().path("hits"));
        }
        assertThat(router.get("/metrics").body()).contains("ftindex_router_retries_total{shard=\"127.0.0.1:" + first.port() + "\"}");

        // The only server of partitions 2-4 stops: 503 naming them, or the others' hits when partial results are asked for.
        second.close();
        Http.Response unavailable = router.search("index", 10);
        assertThat(unavailable.status()).as(unavailable.body()).isEqualTo(503);
        assertThat(unavailable.json().path("error").path("message").asText()).contains("2, 3, 4");
        Http.Response partial = router.get("/search?q=index&k=10&partial=true");
        assertThat(partial.status()).as(partial.body()).isEqualTo(200);
        assertThat(partial.json().path("missingPartitions").toString()).isEqualTo("[2,3,4]");
        for (JsonNode hit : partial.json().path("hits")) {
            assertThat(hit.path("partition").asInt()).isLessThan(2);
        }
    }

    @Test
    void aPublishUnderLoadMovesTheRouterWithoutOneAnswerOfTwoGenerations() throws Exception {
        ObjectStore collection = twoGenerations();
        Http router = twoShardsAndARouter(collection, Duration.ofMillis(100));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger answered = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int offset = c;
            Thread client = Thread.ofPlatform().start(() -> {
                for (int i = offset; !stop.get(); i++) {
                    String query = QUERIES.get(i % QUERIES.size());
                    Http.Response response = router.search(query, 20);
                    if (response.status() != 200) {
                        failures.add(query + ": " + response.status() + " " + response.body());
                        continue;
                    }
                    Set<String> generations = new HashSet<>();
                    for (JsonNode hit : response.json().path("hits")) {
                        for (JsonNode tag : hit.path("fields").path("tags")) {
                            if (tag.asText().startsWith("gen-")) {
                                generations.add(tag.asText());
                            }
                        }
                    }
                    if (generations.size() > 1) {
                        failures.add(query + " mixed " + generations);
                    }
                    seen.addAll(generations);
                    answered.incrementAndGet();
                }
            });
            clients.add(client);
        }
        while (answered.get() < 50) {
            Thread.sleep(10);
        }
        Generations.publish(collection, "g2");
        router.awaitHealth(h -> Http.serving(h, "g2"), Duration.ofSeconds(30), "g2 on the router");
        int atSwap = answered.get();
        while (answered.get() < atSwap + 50) {
            Thread.sleep(10);
        }
        stop.set(true);
        for (Thread client : clients) {
            client.join();
        }
        assertThat(failures).isEmpty();
        assertThat(seen).containsExactlyInAnyOrder(Generations.marker("g1"), Generations.marker("g2"));
    }

    @Test
    void anIdleRouterStaysWholeThroughAPublish() throws Exception {
        ObjectStore collection = twoGenerations();
        // The second shard polls 15 times slower than the first: for a second or more, one has swapped to g2 and the other has not.
        Http router = twoShardsAndARouter(collection, Duration.ofMillis(1500));
        // No query runs: each shard keeps g1 open after its swap because the router was told of it.
        Generations.publish(collection, "g2");
        List<String> states = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode health = router.get("/health").json();
            states.add(health.path("status").asText() + " " + health.path("serving").path("generation").asText());
            if (Http.serving(health, "g2")) {
                break;
            }
            Thread.sleep(5);
        }
        assertThat(states.getLast()).isEqualTo("serving g2");
        assertThat(states).allMatch(state -> state.equals("serving g1") || state.equals("serving g2"));
    }

    @Test
    void aRouterFindsItsShardsByDnsAndTakesAWholeServerAsOneGroup() throws Exception {
        ObjectStore collection = collectionServing("g1", 3);
        SearchServer whole = serve(collection, PartitionSelection.all(), "whole");
        SearchServer router = SearchServer.route(RouterConfig.defaults(List.of("dns:localhost:" + whole.port())).withAddress("127.0.0.1", 0)
                .withRefresh(Duration.ofMillis(100)));
        closing.add(router);
        Http routed = new Http(router.port());
        JsonNode health = routed.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(30), "g1 through DNS");
        assertThat(health.path("shards").findValuesAsText("url")).contains("http://127.0.0.1:" + whole.port() + "/");
        for (String query : QUERIES) {
            assertThat(routed.search(query, 10).json().path("hits")).as(query).isEqualTo(new Http(whole.port()).search(query, 10).json().path("hits"));
        }
    }

    /** A collection with g1 and g2 of 4 partitions each, g1 published. */
    private ObjectStore twoGenerations() {
        ObjectStore collection = collectionServing("g1", 4);
        Generations.build(collection, "g2", 2, temp, 4);
        return collection;
    }

    /** Shards 0/2 (polling every 100 ms) and 1/2 (every {@code secondPoll}) and a router over them, once it serves g1. */
    private Http twoShardsAndARouter(ObjectStore collection, Duration secondPoll) throws InterruptedException {
        SearchServer a = serve(collection, PartitionSelection.shard("0/2"), "a");
        SearchServer b = serve(collection, PartitionSelection.shard("1/2"), "b", secondPoll);
        Http router = new Http(route(Duration.ofMillis(100), a, b).port());
        router.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(30), "g1 on the router");
        return router;
    }

    private static long expectedHits(Http whole, String query) {
        return whole.search(query, 10).json().path("totalHits").asLong();
    }
}
