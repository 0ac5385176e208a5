package dev.ftindex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.QueryLimits;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries of death, through one server and through a router over shard servers: each is answered
 * with 200 or a 4xx whose error names the limit it reached (the same in both), never a 500 or a
 * dropped connection; a search past its deadline answers 503 {@code query-timeout}, or its hits so
 * far, flagged, when partial results are asked for.
 */
class HostileQueriesTest {
    @TempDir
    Path temp;

    @RegisterExtension
    final Closer closing = new Closer();

    private SearchServer server(ObjectStore collection, PartitionSelection partitions, String cache, QueryLimits limits) {
        SearchServer server = SearchServer.start(ServerConfig.defaults(collection, temp.resolve(cache)).withAddress("127.0.0.1", 0)
                .withPoll(Duration.ofMillis(200)).withThreads(2).withPartitions(partitions).withLimits(limits));
        closing.add(server);
        return server;
    }

    /** One server over a generation of 2,000 documents, and a router over two shard servers of half of its partitions each. */
    private record Served(Http whole, Http router) {}

    private Served serve(int partitions, QueryLimits limits) throws Exception {
        ObjectStore collection = ObjectStores.local(temp.resolve("collection"));
        closing.add(collection);
        Generations.build(collection, "g1", TestDocuments.lines(0, 2_000, 5), temp, partitions);
        Generations.publish(collection, "g1");
        Http whole = new Http(server(collection, PartitionSelection.all(), "whole", limits).port());
        SearchServer a = server(collection, PartitionSelection.ranges("0-" + (partitions / 2 - 1)), "a", limits);
        SearchServer b = server(collection, PartitionSelection.ranges((partitions / 2) + "-" + (partitions - 1)), "b", limits);
        SearchServer routing = Routing.over(Duration.ofSeconds(5), a, b);
        closing.add(routing);
        Http router = new Http(routing.port());
        Routing.awaitServing("g1", whole, router);
        return new Served(whole, router);
    }

    /** A hostile request and what it must get: a status, and the error's kind with words of its message (none for 200). */
    private record Hostile(String query, String extra, int status, String kind, String says) {}

    private static List<Hostile> hostile() {
        // Ids within two edits of doc-N abound: each fuzzy id expands to its 50 nearest.
        String sixtyFuzzy = IntStream.range(0, 60).mapToObj(i -> "id:doc-" + (100 + i) + "~2").collect(Collectors.joining(" OR "));
        String manyClauses = IntStream.range(0, 1_500).mapToObj(Integer::toString).collect(Collectors.joining(" "));
        return List.of(
                new Hostile(sixtyFuzzy, "", 400, "query-limit", "more than 1024 clauses"),
                new Hostile("(".repeat(3_000) + "index" + ")".repeat(3_000), "", 400, "query-limit", "nests parentheses 3000 deep"),
                new Hostile("title:(" + "(".repeat(40) + "lucene" + ")".repeat(40) + ")", "", 400, "query-limit", "at most 32 levels"),
                new Hostile(manyClauses, "", 400, "query-limit", "clauses"),
                new Hostile("x".repeat(9_000), "", 400, "query-limit", "at most 8192"),
                new Hostile("*ndex", "", 400, "invalid-query", "not allowed as first character"),
                new Hostile("/[ac]*a[ac]{40}/", "", 400, "query-limit", "too complex"),
                new Hostile("/.*/", "", 200, null, null),
                new Hostile("index", "&k=100000", 400, "query-limit", "k must be 1 to"),
                new Hostile("index", "&from=2000000000", 400, "query-limit", "'after' cursor"),
                new Hostile("year:19x9", "", 400, "invalid-query", "field 'year' is long: '19x9' is not an integer"),
                new Hostile("price:1.5*", "", 400, "invalid-query", "field 'price' is double: a prefix"),
                new Hostile("index", "&sort=title", 400, "invalid-query", "field 'title' is text"),
                new Hostile("index", "&facet=contents", 400, "invalid-query", "a text field has no values"),
                new Hostile("index", "&after=not-a-cursor", 400, "usage", "'after' is not a cursor"),
                new Hostile("index", "&filter=", 400, "usage", "a filter is a query"));
    }

    @Test
    void hostileQueriesGetAStatusNamingTheLimitInOneServerAndThroughARouter() throws Exception {
        Served served = serve(4, QueryLimits.DEFAULT);
        Http whole = served.whole();
        Http router = served.router();

        Map<String, String> seen = new LinkedHashMap<>();
        for (Hostile hostile : hostile()) {
            String path = "/search?q=" + URLEncoder.encode(hostile.query(), StandardCharsets.UTF_8) + hostile.extra();
            String what = hostile.query().length() > 60 ? hostile.query().substring(0, 60) + "..." : hostile.query() + hostile.extra();
            for (Http http : List.of(whole, router)) {
                long start = System.nanoTime();
                Http.Response response = http.get(path);
                double seconds = (System.nanoTime() - start) / 1e9;
                assertThat(response.status()).as("%s: %s", what, response.body()).isEqualTo(hostile.status());
                if (hostile.kind() != null) {
                    JsonNode error = response.json().path("error");
                    assertThat(error.path("kind").asText()).as(what).isEqualTo(hostile.kind());
                    assertThat(error.path("message").asText()).as(what).contains(hostile.says());
                }
                assertThat(seconds).as("%s answered within the deadline", what).isLessThan(QueryLimits.DEFAULT.timeout().toSeconds());
                seen.merge(what, response.status() + " in " + Math.round(seconds * 1000) + " ms", (x, y) -> x + ", " + y);
            }
        }
        assertThat(seen).hasSize(hostile().size());
        assertThat(whole.search("index", 10).status()).as("the server still answers").isEqualTo(200);
        assertThat(router.search("index", 10).status()).as("the router still answers").isEqualTo(200);
    }

    @Test
    void aSearchPastItsDeadlineAnswers503OrItsPartialHitsWhenAsked() throws Exception {
        // A deadline that has passed when the search starts.
        Served served = serve(2, QueryLimits.DEFAULT.withTimeout(Duration.ofNanos(1)));
        Http whole = served.whole();
        Http router = served.router();

        List<String> outcomes = new ArrayList<>();
        for (Http http : List.of(whole, router)) {
            Http.Response timedOut = http.search("index OR search", 10);
            assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(503);
            assertThat(timedOut.json().path("error").path("kind").asText()).isEqualTo("query-timeout");
            assertThat(timedOut.json().path("error").path("message").asText()).contains("deadline").contains("partial=true");
            Http.Response partial = http.get("/search?q=" + URLEncoder.encode("index OR search", StandardCharsets.UTF_8) + "&partial=true");
            assertThat(partial.status()).as(partial.body()).isEqualTo(200);
            assertThat(partial.json().path("timedOut").asBoolean()).isTrue();
            outcomes.add(timedOut.status() + "/" + partial.status());
        }
        assertThat(outcomes).containsExactly("503/200", "503/200");
        assertThat(whole.get("/metrics").body()).contains("ftindex_queries_total{outcome=\"timeout\"} 1.0");
    }
}
