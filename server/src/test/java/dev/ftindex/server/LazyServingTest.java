package dev.ftindex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.FetchMode;
import dev.ftindex.search.Reading;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.testing.Damage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --fetch lazy}: generations read where they lie, over real sockets on 127.0.0.1. */
class LazyServingTest {
    private static final List<String> QUERIES = List.of("index", "search AND lucene", "\"object storage\"", "commit OR crash",
            "title:partition", "retry -network", "data*", "cluster node", "*:*");
    private static final int PAGE = 4096;

    @TempDir
    Path temp;

    @RegisterExtension
    final Closer closing = new Closer();

    private ObjectStore collection() {
        ObjectStore store = ObjectStores.local(temp.resolve("collection"));
        closing.add(store);
        return store;
    }

    private Http start(ObjectStore store) {
        ServerConfig config = ServerConfig.defaults(store, temp.resolve("cache")).withAddress("127.0.0.1", 0)
                .withPoll(Duration.ofMillis(100)).withThreads(2).withReading(new Reading(FetchMode.LAZY, 64L << 20, PAGE));
        SearchServer server = SearchServer.start(config);
        closing.add(server);
        return new Http(server.port());
    }

    @Test
    void answersAsFullModeAndSwapsToAGenerationWarmedWithTheRecentQueries() throws Exception {
        ObjectStore collection = collection();
        Generations.build(collection, "g1", 1, temp);
        Generations.build(collection, "g2", 2, temp);
        Generations.publish(collection, "g1");
        Http http = start(collection);
        http.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(30), "g1 to be served");

        ObjectStore g1 = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("g1"));
        try (CommittedIndex full = CommittedIndex.open(g1, temp.resolve("full-cache"), 2, Progress.silent())) {
            for (String query : QUERIES) {
                SearchResult expected = full.search(query, 10);
                JsonNode actual = http.search(query, 10).json();
                assertThat(actual.path("generation").asText()).isEqualTo("g1");
                assertThat(actual.path("totalHits").asLong()).as(query).isEqualTo(expected.totalHits());
                assertThat(actual.path("hits")).as(query).hasSize(expected.hits().size());
                for (int i = 0; i < expected.hits().size(); i++) {
                    assertThat(actual.path("hits").get(i).path("id").asText()).as(query).isEqualTo(expected.hits().get(i).id());
                    assertThat((float) actual.path("hits").get(i).path("score").asDouble()).as(query).isEqualTo(expected.hits().get(i).score());
                }
            }
        }
        JsonNode pages = http.get("/health").json().path("page_cache");
        assertThat(pages.path("misses").asLong()).as("pages fetched for the queries").isPositive();
        assertThat(pages.path("store_reads").asLong()).isPositive().isLessThanOrEqualTo(pages.path("misses").asLong());
        assertThat(pages.path("bytes").asLong()).isPositive().isLessThanOrEqualTo(pages.path("limit_bytes").asLong());
        String metrics = http.get("/metrics").body();
        assertThat(PrometheusText.sample(metrics, "ftindex_cache_bytes", Map.of())).as("nothing downloaded in full").isZero();
        assertThat(PrometheusText.sample(metrics, "ftindex_page_cache_misses_total", Map.of())).isPositive();
        assertThat(PrometheusText.sample(metrics, "ftindex_store_reads_total", Map.of())).isPositive();
        assertThat(PrometheusText.sample(metrics, "ftindex_page_cache_limit_bytes", Map.of())).isEqualTo(64.0 * (1 << 20));

        Generations.publish(collection, "g2");
        http.awaitHealth(h -> Http.serving(h, "g2"), Duration.ofSeconds(30), "g2 to be served");
        long settled = awaitSettled(http);
        for (String query : QUERIES) {
            assertThat(http.search(query, 10).json().path("generation").asText()).isEqualTo("g2");
        }
        assertThat(http.get("/health").json().path("page_cache").path("misses").asLong())
                .as("the recent queries' pages of g2 were fetched while it warmed, before the swap").isEqualTo(settled);
    }

    @Test
    void aDamagedPageFailsTheQueriesThatReadItWith502AndOthersAreAnswered() throws Exception {
        ObjectStore collection = collection();
        ObjectStore root = Generations.build(collection, "g1", 1, temp);
        IndexMetadata metadata = StoredJson.read(root, IndexLayout.METADATA, IndexMetadata.class);
        Damage.FlippedByte flipped = Damage.flipUnpinnedMiddleByte(root, metadata, 0);
        Generations.publish(collection, "g1");
        Http http = start(collection);
        http.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(60), "g1 to be served");

        int failed = 0;
        int answered = 0;
        List<String> queries = new ArrayList<>(QUERIES);
        queries.add("*:*");
        for (String query : queries) {
            Http.Response response = http.get("/search?q=" + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8)
                    + "&k=" + Generations.DOCS);
            if (response.status() == 200) {
                answered++;
            } else {
                assertThat(response.status()).as(query).isEqualTo(502);
                assertThat(response.json().path("error").path("kind").asText()).isEqualTo("corrupt");
                assertThat(response.json().path("error").path("message").asText()).contains(metadata.indexId(), flipped.key(),
                        "page " + flipped.offset() / PAGE + " ");
                failed++;
            }
        }
        assertThat(failed).as("queries that read the damaged page (every stored document is read by *:*)").isPositive();
        assertThat(answered).as("queries that did not").isPositive();
        JsonNode health = http.get("/health").json();
        assertThat(health.path("page_cache").path("corrupt_store_pages").asLong()).isGreaterThanOrEqualTo(failed);
        assertThat(health.path("page_cache").path("last_corrupt_store_page").asText()).contains(flipped.key());
        assertThat(health.path("status").asText()).as("the rest of the generation is still served").isEqualTo("serving");
        String metrics = http.get("/metrics").body();
        assertThat(PrometheusText.sample(metrics, "ftindex_corrupt_pages_total", Map.of("where", "store"))).isGreaterThanOrEqualTo(failed);
        assertThat(PrometheusText.sample(metrics, "ftindex_queries_total", Map.of("outcome", "error"))).isEqualTo(failed);
    }

    /** The page cache's misses once no fetch started during warming (prefetches) is still running. */
    private static long awaitSettled(Http http) throws InterruptedException {
        long last = -1;
        while (true) {
            long misses = http.get("/health").json().path("page_cache").path("misses").asLong();
            if (misses == last) {
                return misses;
            }
            last = misses;
            Thread.sleep(300);
        }
    }
}
