package dev.ftindex.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.Cursor;
import dev.ftindex.search.FacetRequest;
import dev.ftindex.search.FacetResult;
import dev.ftindex.search.SearchRequest;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.SortOrder;
import dev.ftindex.search.testing.ReferenceIndex;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every query kind, in every path, gives one Lucene index's answer: words, phrases, slop, prefix,
 * wildcard, fuzzy (1 and 2 edits), regular expressions, numbers (exact, ranges, open ranges) on a
 * long and a double field, keywords (exact, prefix, range) and mixes of them, each plain, filtered,
 * sorted, faceted and paged (by {@code from} and by cursor). The paths: {@code search} (one
 * searcher over the generation's 4 partitions), one {@code serve}, and a router over shard servers
 * (partitions 0-1 on two replicas, 2-3 on one); the reference: one plain Lucene index of the same
 * documents with one {@code IndexSearcher} (Lucene's own rewrite of every query). Hits must equal
 * in id, score bits, sort values and order; facet counts must equal a count over the input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryKindsTest {
    static final int DOCS = 3_000;

    private Path temp;
    private final List<AutoCloseable> opened = new ArrayList<>();
    ReferenceIndex reference;
    private CommittedIndex searchPath;
    private Http serve;
    private Http router;
    private final Map<String, JsonNode> documents = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        temp = Files.createTempDirectory("ftindex-query-kinds");
        ObjectStore collection = ObjectStores.local(temp.resolve("collection"));
        opened.add(collection);
        String generation = prepare(collection, temp);
        Generations.publish(collection, generation);
        ObjectStore root = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix(generation));
        searchPath = CommittedIndex.open(root, temp.resolve("search-cache"), 2, Progress.silent());
        opened.add(searchPath);
        serve = new Http(server(collection, PartitionSelection.all(), "whole").port());
        SearchServer first = server(collection, PartitionSelection.ranges("0-1"), "a");
        SearchServer replica = server(collection, PartitionSelection.ranges("0-1"), "a2");
        SearchServer second = server(collection, PartitionSelection.ranges("2-3"), "b");
        Routing.awaitServing(generation, new Http(first.port()), new Http(replica.port()), new Http(second.port()));
        SearchServer routing = Routing.over(Duration.ofMinutes(5), first, replica, second);
        opened.add(routing);
        router = new Http(routing.port());
        Routing.awaitServing(generation, serve, router);
    }

    /**
     * Commits the generation every path searches (in 4 partitions), and sets the reference that
     * answers as one Lucene index and the documents the generation holds (for facet counts).
     *
     * @return the generation's name
     */
    String prepare(ObjectStore collection, Path temp) throws Exception {
        List<String> lines = TestDocuments.lines(0, DOCS, 7);
        holds(lines);
        reference = new ReferenceIndex(TestDocuments.spec(), lines, temp.resolve("reference"));
        Generations.build(collection, "g1", lines, temp, 4);
        return "g1";
    }

    /** The generation holds these documents (a later one of an id replaces an earlier). */
    void holds(List<String> lines) throws IOException {
        for (String line : lines) {
            JsonNode document = Json.MAPPER.readTree(line);
            documents.put(document.path("id").asText(), document);
        }
    }

    /** The generation no longer holds these ids. */
    void gone(List<String> ids) {
        ids.forEach(documents::remove);
    }

    private SearchServer server(ObjectStore collection, PartitionSelection partitions, String cache) {
        SearchServer server = SearchServer.start(ServerConfig.defaults(collection, temp.resolve(cache)).withAddress("127.0.0.1", 0)
                .withPoll(Duration.ofMillis(200)).withThreads(2).withPartitions(partitions));
        opened.add(server);
        return server;
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
        reference.close();
        try (var paths = Files.walk(temp)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    static final Map<String, String> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("words", "lucene storage");
        KINDS.put("phrase", "\"object storage\"");
        KINDS.put("slop", "\"index partition\"~3");
        KINDS.put("prefix", "sto*");
        KINDS.put("wildcard", "c?che OR me*e");
        KINDS.put("fuzzy 1", "stroage~1");
        KINDS.put("fuzzy 2", "partitoin~2");
        KINDS.put("fuzzy and prefix", "memor* OR mem~2");
        KINDS.put("regexp", "/ca[a-z]+/");
        KINDS.put("long exact", "year:1999");
        KINDS.put("long range", "year:[1950 TO 1960]");
        KINDS.put("long open range", "year:{1990 TO *]");
        KINDS.put("double exact", "price:79.19");
        KINDS.put("double range", "price:[* TO 95.5]");
        KINDS.put("double open range", "price:{500 TO *}");
        KINDS.put("keyword exact", "tags:the");
        KINDS.put("keyword prefix", "tags:th*");
        KINDS.put("keyword range", "tags:[a TO j]");
        KINDS.put("mix: words, long range, not keyword", "+storage +year:[1960 TO 1990] -tags:the");
        KINDS.put("mix: fuzzy, words, double range", "(lucene OR lucine~1) AND price:[* TO 500]");
        KINDS.put("mix: prefix, fuzzy, long", "merge* OR memroy~2 OR year:2000");
    }

    /** How a query is asked for: plain, filtered and sorted, faceted, paged by from, paged by cursor. */
    record Variant(String name, List<String> filters, String sort, List<String> facets, int from, int k, boolean secondPageByCursor) {}

    static final List<Variant> VARIANTS = List.of(
            new Variant("plain", List.of(), null, List.of(), 0, 20, false),
            new Variant("filtered, by year desc", List.of("year:[1970 TO 2000]"), "year:desc", List.of(), 0, 15, false),
            new Variant("filtered, by price then score, faceted", List.of("tags:of"), "price,_score", List.of("tags",
                    "year:interval=10", "price:ranges=..100,100..500,500.."), 0, 10, false),
            new Variant("by tag desc then year, from 5", List.of(), "tags:desc,year", List.of("year:top=5"), 5, 10, false),
            new Variant("second page by cursor", List.of("price:[* TO 900]"), "year,price:desc", List.of(), 0, 7, true),
            new Variant("relevance, second page by cursor, faceted", List.of(), null, List.of("tags:top=3"), 0, 5, true));

    Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        KINDS.forEach((kind, query) -> VARIANTS.forEach(variant -> cases.add(Arguments.of(kind, query, variant))));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {1} ({2})")
    @MethodSource("cases")
    void everyPathAnswersAsOneIndex(String kind, String query, Variant variant) throws Exception {
        SortOrder sort = SortOrder.parse(variant.sort());
        ReferenceIndex.Page first = reference.search(query, variant.filters(), sort, null, variant.from() + variant.k());
        List<String> expected = rows(first.hits().subList(Math.min(variant.from(), first.hits().size()), first.hits().size()));
        assertThat(reference.totalHits(query)).as("%s: the query matches something", query).isPositive();

        SearchRequest request = new SearchRequest(query, variant.k(), variant.from(), true, false, variant.filters(), sort, null,
                variant.facets().stream().map(FacetRequest::parse).toList(), false);
        SearchResult searched = searchPath.search(request);
        assertThat(rows(searched)).as("search: %s", query).isEqualTo(expected);
        JsonNode served = get(serve, query, variant, null);
        assertThat(rows(served)).as("serve: %s", query).isEqualTo(expected);
        JsonNode routed = get(router, query, variant, null);
        assertThat(rows(routed)).as("router: %s", query).isEqualTo(expected);
        if (first.totalHits() < 1_000) {
            for (long total : List.of(searched.totalHits(), served.path("totalHits").asLong(), routed.path("totalHits").asLong())) {
                assertThat(total).as("total of %s", query).isEqualTo(first.totalHits());
            }
        }

        if (!variant.facets().isEmpty()) {
            List<String> counted = bruteForce(query, variant);
            assertThat(facets(searched.facets())).as("search facets: %s", query).isEqualTo(counted);
            assertThat(facets(served.path("facets"))).as("serve facets: %s", query).isEqualTo(counted);
            assertThat(facets(routed.path("facets"))).as("router facets: %s", query).isEqualTo(counted);
        }

        if (variant.secondPageByCursor() && first.after() != null) {
            ReferenceIndex.Page second = reference.search(query, variant.filters(), sort, Cursor.parse(first.after()), variant.k());
            List<String> next = rows(second.hits());
            assertThat(rows(searchPath.search(request.withAfter(Cursor.parse(searched.after()))))).as("search, page 2: %s", query).isEqualTo(next);
            assertThat(rows(get(serve, query, variant, served.path("after").asText()))).as("serve, page 2: %s", query).isEqualTo(next);
            assertThat(rows(get(router, query, variant, routed.path("after").asText()))).as("router, page 2: %s", query).isEqualTo(next);
        }
    }

    private static JsonNode get(Http http, String query, Variant variant, String after) {
        StringBuilder path = new StringBuilder("/search?q=").append(encode(query)).append("&k=").append(variant.k());
        if (after != null) {
            path.append("&after=").append(encode(after));
        } else {
            path.append("&from=").append(variant.from());
        }
        variant.filters().forEach(filter -> path.append("&filter=").append(encode(filter)));
        if (variant.sort() != null) {
            path.append("&sort=").append(encode(variant.sort()));
        }
        variant.facets().forEach(facet -> path.append("&facet=").append(encode(facet)));
        Http.Response response = http.get(path.toString());
        assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
        return response.json();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static List<String> rows(List<ReferenceIndex.Sorted> hits) {
        return hits.stream().map(hit -> hit.id() + " " + Float.intBitsToFloat(hit.scoreBits()) + " " + values(hit.sort())).toList();
    }

    private static List<String> rows(SearchResult result) {
        return result.hits().stream().map(hit -> hit.id() + " " + hit.score() + " " + values(hit.sort())).toList();
    }

    private static List<String> rows(JsonNode result) {
        List<String> rows = new ArrayList<>();
        for (JsonNode hit : result.path("hits")) {
            List<String> sort = new ArrayList<>();
            hit.path("sort").forEach(value -> sort.add(value.isNull() ? "null" : value.asText()));
            rows.add(hit.path("id").asText() + " " + Float.parseFloat(hit.path("score").asText()) + " " + sort);
        }
        return rows;
    }

    private static List<String> values(List<Object> sort) {
        return sort.stream().map(String::valueOf).toList();
    }

    // ---- facets ---------------------------------------------------------------------------------

    private static List<String> facets(List<FacetResult> facets) {
        List<String> rows = new ArrayList<>();
        for (FacetResult facet : facets) {
            for (FacetResult.Bucket bucket : facet.buckets()) {
                rows.add(facet.field() + " " + (bucket.value() != null ? String.valueOf(bucket.value()) : label(bucket.from(), bucket.to()))
                        + "=" + bucket.count());
            }
        }
        return rows;
    }

    private static List<String> facets(JsonNode facets) {
        List<String> rows = new ArrayList<>();
        for (JsonNode facet : facets) {
            for (JsonNode bucket : facet.path("buckets")) {
                String label = bucket.has("value") ? bucket.path("value").asText()
                        : label(bucket.has("from") ? new BigDecimal(bucket.path("from").asText()) : null,
                                bucket.has("to") ? new BigDecimal(bucket.path("to").asText()) : null);
                rows.add(facet.path("field").asText() + " " + label + "=" + bucket.path("count").asLong());
            }
        }
        return rows;
    }

    private static String label(BigDecimal from, BigDecimal to) {
        return (from == null ? "" : from.stripTrailingZeros().toPlainString()) + ".." + (to == null ? "" : to.stripTrailingZeros().toPlainString());
    }

    /** The facets counted from the input's records of every document the reference matches. */
    private List<String> bruteForce(String query, Variant variant) throws Exception {
        List<JsonNode> matching = new ArrayList<>();
        for (ReferenceIndex.Sorted hit : reference.search(query, variant.filters(), SortOrder.RELEVANCE, null, 2 * DOCS).hits()) {
            matching.add(documents.get(hit.id()));
        }
        List<String> rows = new ArrayList<>();
        for (String text : variant.facets()) {
            FacetRequest facet = FacetRequest.parse(text);
            switch (facet.kind()) {
                case VALUES -> {
                    Map<String, Long> counts = new HashMap<>();
                    boolean numeric = facet.field().equals("year");
                    for (JsonNode document : matching) {
                        Set<String> values = new TreeSet<>();
                        JsonNode field = document.path(facet.field());
                        (field.isArray() ? field : Json.MAPPER.createArrayNode().add(field)).forEach(v -> {
                            if (!v.isMissingNode() && !v.isNull()) {
                                values.add(v.asText());
                            }
                        });
                        values.forEach(value -> counts.merge(value, 1L, Long::sum));
                    }
                    Comparator<Map.Entry<String, Long>> order = Comparator.comparing((Map.Entry<String, Long> e) -> -e.getValue());
                    order = numeric ? order.thenComparing(e -> Long.parseLong(e.getKey())) : order.thenComparing(Map.Entry::getKey);
                    counts.entrySet().stream().sorted(order).limit(facet.top())
                            .forEach(e -> rows.add(facet.field() + " " + e.getKey() + "=" + e.getValue()));
                }
                case RANGES -> {
                    for (FacetRequest.Range range : facet.ranges()) {
                        long count = matching.stream().filter(document -> document.has(facet.field())).filter(document -> {
                            BigDecimal value = new BigDecimal(document.path(facet.field()).asText());
                            return (range.from() == null || value.compareTo(range.from()) >= 0) && (range.to() == null || value.compareTo(range.to()) < 0);
                        }).count();
                        rows.add(facet.field() + " " + label(range.from(), range.to()) + "=" + count);
                    }
                }
                case HISTOGRAM -> {
                    TreeMap<Long, Long> buckets = new TreeMap<>();
                    for (JsonNode document : matching) {
                        if (document.has(facet.field())) {
                            BigDecimal value = new BigDecimal(document.path(facet.field()).asText());
                            long bucket = value.divide(facet.interval(), 0, java.math.RoundingMode.FLOOR).longValueExact();
                            buckets.merge(bucket, 1L, Long::sum);
                        }
                    }
                    buckets.forEach((bucket, count) -> rows.add(facet.field() + " " + label(BigDecimal.valueOf(bucket).multiply(facet.interval()),
                            BigDecimal.valueOf(bucket + 1).multiply(facet.interval())) + "=" + count));
                }
            }
        }
        return rows;
    }
}
