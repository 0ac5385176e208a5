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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A query with 100,000 hits walked page by page with the {@code after} cursor finds every hit
 * exactly once, in order, through one server and through a router over shard servers, which give
 * the same pages: by relevance (every score equal, so the id decides), and by a number field
 * that some documents lack (they come last).
 */
class CursorWalkTest {
    private static final int DOCS = 100_000;

    @TempDir
    Path temp;

    @RegisterExtension
    final Closer closing = new Closer();

    private SearchServer server(ObjectStore collection, PartitionSelection partitions, String cache) {
        SearchServer server = SearchServer.start(ServerConfig.defaults(collection, temp.resolve(cache)).withAddress("127.0.0.1", 0)
                .withPoll(Duration.ofMillis(200)).withThreads(2).withPartitions(partitions));
        closing.add(server);
        return server;
    }

    @Test
    void aCursorWalksEveryHitOfAHundredThousandOnceThroughAServerAndARouter() throws Exception {
        List<String> lines = new ArrayList<>(DOCS);
        for (int i = 0; i < DOCS; i++) {
            // Every seventh document has no price.
            lines.add("{\"id\":\"d" + i + "\",\"title\":\"walk\",\"year\":" + (1900 + i % 125)
                    + (i % 7 == 0 ? "" : ",\"price\":" + (i % 1000) / 10.0) + "}");
        }
        ObjectStore collection = ObjectStores.local(temp.resolve("collection"));
        closing.add(collection);
        Generations.build(collection, "g1", lines, temp, 4);
        Generations.publish(collection, "g1");
        Http whole = new Http(server(collection, PartitionSelection.all(), "whole").port());
        SearchServer a = server(collection, PartitionSelection.ranges("0-1"), "a");
        SearchServer b = server(collection, PartitionSelection.ranges("2-3"), "b");
        SearchServer routing = Routing.over(Duration.ofSeconds(5), a, b);
        closing.add(routing);
        Http router = new Http(routing.port());
        Routing.awaitServing("g1", whole, router);

        for (String sort : List.of("", "price:desc,year")) {
            List<JsonNode> viaServer = walk(whole, sort);
            List<JsonNode> viaRouter = walk(router, sort);
            assertThat(viaRouter).as("the router's pages are the server's (%s)", sort).isEqualTo(viaServer);
            Set<String> ids = new HashSet<>();
            for (JsonNode hit : viaServer) {
                assertThat(ids.add(hit.path("id").asText())).as("%s seen once (%s)", hit.path("id").asText(), sort).isTrue();
            }
            assertThat(ids).as(sort).hasSize(DOCS);
            if (!sort.isEmpty()) {
                // Prices descending, documents without one last.
                int firstMissing = -1;
                for (int i = 0; i < viaServer.size(); i++) {
                    JsonNode price = viaServer.get(i).path("sort").get(0);
                    if (price.isNull() && firstMissing < 0) {
                        firstMissing = i;
                    }
                    if (firstMissing >= 0) {
                        assertThat(price.isNull()).as("hit %d after the first without a price", i).isTrue();
                    } else if (i > 0) {
                        assertThat(price.asDouble()).isLessThanOrEqualTo(viaServer.get(i - 1).path("sort").get(0).asDouble());
                    }
                }
                assertThat(firstMissing).isEqualTo(DOCS - (DOCS + 6) / 7);
            }
        }
    }

    /** Every hit of {@code walk} in pages of 1,000 chained by their cursors. */
    private static List<JsonNode> walk(Http http, String sort) {
        List<JsonNode> hits = new ArrayList<>();
        String after = null;
        for (int page = 0; page < 200; page++) {
            String path = "/search?q=walk&k=1000&fields=id" + (sort.isEmpty() ? "" : "&sort=" + URLEncoder.encode(sort, StandardCharsets.UTF_8))
                    + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
            Http.Response response = http.get(path);
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            JsonNode body = response.json();
            body.path("hits").forEach(hits::add);
            if (!body.has("after")) {
                return hits;
            }
            after = body.path("after").asText();
        }
        throw new AssertionError("the walk did not end after 200 pages");
    }
}
