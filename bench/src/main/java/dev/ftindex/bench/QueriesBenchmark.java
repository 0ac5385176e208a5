package dev.ftindex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.Analyzers;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.FacetCounts;
import dev.ftindex.search.FacetRequest;
import dev.ftindex.search.FacetResult;
import dev.ftindex.search.QueryLanguage;
import dev.ftindex.search.QueryLimits;
import dev.ftindex.search.SearchRequest;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.SortOrder;
import dev.ftindex.server.PartitionSelection;
import dev.ftindex.server.RouterConfig;
import dev.ftindex.server.SearchServer;
import dev.ftindex.server.ServerConfig;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.FacetsCollectorManager;
import org.apache.lucene.facet.StringDocValuesReaderState;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MultiCollectorManager;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.TopFieldCollector;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;

/**
 * 18. Filters, sorts and facets on the corpus with a keyword field ({@code source}, from the id's
 * prefix) and two number fields ({@code year}, {@code price}, from a hash of the id) added: the
 * search benchmark's 200 queries plain and in four variants (filtered; sorted by year; faceted by
 * source and a year histogram; all three), on the committed index ({@code --partitions}, one
 * searcher, as the search benchmark) and on one
 * plain Lucene index of the same documents with the same queries, paired and alternating; the
 * query kinds of {@code QueryKindsTest} compared there too; and the all-three variant over HTTP,
 * one {@code serve} against a router over two shard servers (each half of the partitions).
 */
final class QueriesBenchmark {
    private static final int K = 10;
    private static final IndexSpec SPEC = IndexSpec.parse("""
            {"idField": "id",
             "fields": {
               "title": {"type": "text", "stored": true, "analyzer": "english"},
               "contents": {"type": "text", "analyzer": "english"},
               "source": {"type": "keyword", "stored": true},
               "year": {"type": "long", "stored": true},
               "price": {"type": "double", "stored": true}
             },
             "defaultSearchFields": ["title", "contents"]}
            """.getBytes(StandardCharsets.UTF_8), "queries benchmark spec");

    /** A variant of every query: its filters, order and facets. */
    record Variant(String name, List<String> filters, String sort, List<String> facets) {
        SearchRequest request(String query) {
            return new SearchRequest(query, K, 0, true, false, filters, SortOrder.parse(sort), null,
                    facets.stream().map(FacetRequest::parse).toList(), false);
        }

        String parameters() {
            StringBuilder text = new StringBuilder();
            filters.forEach(filter -> text.append("&filter=").append(URLEncoder.encode(filter, StandardCharsets.UTF_8)));
            if (sort != null) {
                text.append("&sort=").append(URLEncoder.encode(sort, StandardCharsets.UTF_8));
            }
            facets.forEach(facet -> text.append("&facet=").append(URLEncoder.encode(facet, StandardCharsets.UTF_8)));
            return text.toString();
        }
    }

    static final List<Variant> VARIANTS = List.of(
            new Variant("plain (relevance, no filter or facet)", List.of(), null, List.of()),
            new Variant("filtered", List.of("year:[1950 TO 1990]"), null, List.of()),
            new Variant("sorted", List.of(), "year:desc", List.of()),
            new Variant("faceted", List.of(), null, List.of("source", "year:interval=10")),
            new Variant("filtered, sorted, faceted", List.of("year:[1950 TO 1990]", "source:[a TO l]"), "year:desc,price",
                    List.of("source", "year:interval=10", "price:ranges=..100,100..500,500..")));

    /** Query kinds of QueryKindsTest, in this corpus's words. */
    static final Map<String, String> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("words", "light darkness");
        KINDS.put("phrase", "\"the lord\"");
        KINDS.put("slop", "\"light darkness\"~4");
        KINDS.put("prefix", "dark*");
        KINDS.put("wildcard", "l?ght OR m*ry");
        KINDS.put("fuzzy 1", "lihgt~1");
        KINDS.put("fuzzy 2", "darknes~2");
        KINDS.put("fuzzy and prefix", "memor* OR mem~2");
        KINDS.put("regexp", "/colou?r/");
        KINDS.put("long exact", "year:1999");
        KINDS.put("long range", "year:[1950 TO 1960]");
        KINDS.put("long open range", "year:{1990 TO *]");
        KINDS.put("double range", "price:[* TO 95.5]");
        KINDS.put("keyword exact", "source:kjv");
        KINDS.put("keyword prefix", "source:g*");
        KINDS.put("keyword range", "source:[a TO l]");
        KINDS.put("mix", "+god +year:[1900 TO 1950] -source:wn");
        KINDS.put("mix with fuzzy", "(light OR lihgt~1) AND price:[* TO 500]");
    }

    private QueriesBenchmark() {}

    static void run(BenchContext c, Report report, int partitions) throws Exception {
        if (partitions < 2) {
            throw new IllegalArgumentException("the queries benchmark needs 2 partitions or more (a router over two shard servers)");
        }
        Path input = augment(c.corpus().file(), c.scratch("queries").resolve("corpus-with-fields.jsonl"));
        Path root = c.scratch("queries-root");
        try (ObjectStore store = ObjectStores.local(root)) {
            long start = System.nanoTime();
            for (int p = 0; p < partitions; p++) {
                new Worker(store, WorkerConfig.builder(SPEC, List.of(input.toString()), p).partitions(Optional.of(partitions))
                        .threads(c.threads()).ramBufferMb(c.ramBufferMb()).workDirectory(Optional.of(c.scratch("queries-work"))).build(),
                        location -> null, Progress.silent()).run();
            }
            new Finalizer(store, FinalizerConfig.defaults(), Progress.silent()).run();
            c.say("queries: %d partitions built in %.1f s", partitions, (System.nanoTime() - start) / 1e9);
        }
        Path single = c.scratch("queries-single");
        try (FSDirectory directory = FSDirectory.open(single);
             IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(Analyzers.forSpec(SPEC)).setRAMBufferSizeMB(256)
                     .setSimilarity(similarity()));
             BufferedReader lines = Files.newBufferedReader(input)) {
            DocumentMapper mapper = new DocumentMapper(SPEC);
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                writer.addDocument(mapper.map(bytes, 0, bytes.length));
            }
            writer.forceMerge(1);
        }

        List<String> queries = SearchBenchmark.queries(SPEC);
        try (ObjectStore store = ObjectStores.local(root);
             CommittedIndex index = CommittedIndex.open(store, c.scratch("queries-cache"), c.threads(), Progress.silent());
             FSDirectory directory = FSDirectory.open(single);
             DirectoryReader reader = DirectoryReader.open(directory);
             Analyzer analyzer = Analyzers.forSpec(SPEC)) {
            Baseline baseline = new Baseline(reader, analyzer);
            int kindsIdentical = 0;
            for (Map.Entry<String, String> kind : KINDS.entrySet()) {
                for (Variant variant : VARIANTS) {
                    SearchRequest request = variant.request(kind.getValue());
                    if (rows(index.search(request)).equals(baseline.rows(request))) {
                        kindsIdentical++;
                    } else {
                        c.say("queries: %s (%s) differs", kind.getKey(), variant.name());
                    }
                }
            }
            int cases = KINDS.size() * VARIANTS.size();
            report.add(new Report.Row("queries", "query kinds x variants identical to one Lucene index (ids, score bits, order, facets)",
                    kindsIdentical, cases, "cases", "all", kindsIdentical == cases, KINDS.size() + " kinds x " + VARIANTS.size() + " variants"));

            for (Variant variant : VARIANTS) {
                int identical = 0;
                for (String query : queries) {
                    if (rows(index.search(variant.request(query))).equals(baseline.rows(variant.request(query)))) {
                        identical++;
                    }
                }
                for (int warm = 0; warm < 5; warm++) {
                    for (String query : queries) {
                        index.search(variant.request(query));
                        baseline.rows(variant.request(query));
                    }
                }
                List<Double> ours = new ArrayList<>();
                List<Double> theirs = new ArrayList<>();
                for (int pass = 0; pass < Math.max(3, c.runs()) * 2; pass++) {
                    for (String query : queries) {
                        SearchRequest request = variant.request(query);
                        boolean oursFirst = (pass + query.length()) % 2 == 0;
                        if (!oursFirst) {
                            theirs.add(SearchBenchmark.time(() -> baseline.rows(request)));
                        }
                        ours.add(SearchBenchmark.time(() -> index.search(request)));
                        if (oursFirst) {
                            theirs.add(SearchBenchmark.time(() -> baseline.rows(request)));
                        }
                    }
                }
                double ratio = Stats.median(ours) / Stats.median(theirs);
                c.say("queries %s: %d/%d identical, p50 %.3f vs %.3f ms", variant.name(), identical, queries.size(), Stats.median(ours),
                        Stats.median(theirs));
                report.add(new Report.Row("queries", variant.name() + ": identical to one Lucene index", identical, queries.size(), "queries",
                        "all", identical == queries.size(), ""));
                report.add(new Report.Row("queries", variant.name() + ": latency p50, " + partitions + " partitions vs 1 index",
                        Stats.median(ours), Stats.median(theirs), "ms", "ratio <= 1.15", ratio <= 1.15, String.format(Locale.ROOT,
                                "%d search threads; %d passes of %d queries, k=%d; p99 %.3f vs %.3f ms", c.threads(), ours.size() / queries.size(),
                                queries.size(), K, Stats.percentile(ours, 99), Stats.percentile(theirs, 99))));
            }
        }
        routed(c, report, root, queries, partitions);
    }

    /** The all-three variant over HTTP: one serve against a router over two shard servers, each holding half the partitions. */
    private static void routed(BenchContext c, Report report, Path root, List<String> queries, int partitions) throws Exception {
        String firstHalf = "0-" + (partitions / 2 - 1);
        String secondHalf = (partitions / 2) + "-" + (partitions - 1);
        Variant variant = VARIANTS.getLast();
        try (ObjectStore store = ObjectStores.local(root);
             SearchServer node = serve(store, PartitionSelection.all(), c.scratch("queries-node"));
             SearchServer a = serve(store, PartitionSelection.ranges(firstHalf), c.scratch("queries-a"));
             SearchServer b = serve(store, PartitionSelection.ranges(secondHalf), c.scratch("queries-b"));
             SearchServer router = SearchServer.route(RouterConfig.defaults(List.of("http://127.0.0.1:" + a.port(), "http://127.0.0.1:" + b.port()))
                     .withAddress("127.0.0.1", 0).withShardTimeout(Duration.ofSeconds(10), 95))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            awaitReady(http, node.port());
            awaitReady(http, router.port());
            int identical = 0;
            for (String query : queries) {
                JsonNode one = get(http, node.port(), query, variant);
                JsonNode routed = get(http, router.port(), query, variant);
                if (one.path("hits").equals(routed.path("hits")) && one.path("facets").equals(routed.path("facets"))) {
                    identical++;
                }
            }
            List<Double> viaNode = new ArrayList<>();
            List<Double> viaRouter = new ArrayList<>();
            for (int pass = 0; pass < Math.max(3, c.runs()); pass++) {
                for (String query : queries) {
                    boolean nodeFirst = (pass + query.length()) % 2 == 0;
                    if (!nodeFirst) {
                        viaRouter.add(SearchBenchmark.time(() -> get(http, router.port(), query, variant)));
                    }
                    viaNode.add(SearchBenchmark.time(() -> get(http, node.port(), query, variant)));
                    if (nodeFirst) {
                        viaRouter.add(SearchBenchmark.time(() -> get(http, router.port(), query, variant)));
                    }
                }
            }
            hostile(c, report, http, node.port(), queries);
            report.add(new Report.Row("queries", "router over 2 shard servers: identical to one serve (hits, facets)", identical, queries.size(),
                    "queries", "all", identical == queries.size(), variant.name()));
            report.add(new Report.Row("queries", "router over 2 shard servers vs one serve: latency p50 over HTTP", Stats.median(viaRouter),
                    Stats.median(viaNode), "ms", "(reported)", null, String.format(Locale.ROOT, "%s; p99 %.3f vs %.3f ms; one client",
                            variant.name(), Stats.percentile(viaRouter, 99), Stats.percentile(viaNode, 99))));
        }
    }

    /** Queries that reach a limit: sixty fuzzy terms (clauses), a regular expression of every term, nesting, a huge window. */
    private static final List<String> HOSTILE = List.of(
            String.join(" OR ", java.util.stream.Stream.of(("light darkness water earth heaven spirit memory colour river stone fire wind"
                    + " night morning evening mountain valley forest garden city king queen house door window table chair bread wine"
                    + " gold silver iron copper horse cattle sheep bird fish tree flower grass seed fruit field road bridge ship boat"
                    + " island ocean storm thunder rain snow winter summer").split(" ")).map(word -> word + "~2").toList()),
            "/.*/",
            "(".repeat(2_000) + "light" + ")".repeat(2_000),
            "light&from=2000000000");

    /**
     * What queries that reach a limit cost the other clients: one client's p99 over the plain
     * queries alone, and while a second client sends only hostile queries, windows alternating.
     */
    private static void hostile(BenchContext c, Report report, HttpClient http, int port, List<String> queries) throws Exception {
        Variant plain = VARIANTS.getFirst();
        List<Double> alone = new ArrayList<>();
        List<Double> beside = new ArrayList<>();
        java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int window = 0; window < 2 * Math.max(3, c.runs()); window++) {
            boolean withHostile = window % 2 == 1;
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(withHostile);
            Thread attacker = Thread.ofPlatform().start(() -> {
                for (int i = 0; running.get(); i++) {
                    String query = HOSTILE.get(i % HOSTILE.size());
                    int amp = query.indexOf('&');
                    String path = "/search?q=" + URLEncoder.encode(amp < 0 ? query : query.substring(0, amp), StandardCharsets.UTF_8)
                            + (amp < 0 ? "" : query.substring(amp));
                    try {
                        int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode();
                        synchronized (statuses) {
                            statuses.merge(status, 1, Integer::sum);
                        }
                    } catch (Exception e) {
                        synchronized (statuses) {
                            statuses.merge(-1, 1, Integer::sum);
                        }
                    }
                }
            });
            List<Double> latencies = new ArrayList<>();
            for (int pass = 0; pass < 3; pass++) {
                for (String query : queries) {
                    latencies.add(SearchBenchmark.time(() -> get(http, port, query, plain)));
                }
            }
            running.set(false);
            attacker.join();
            (withHostile ? beside : alone).add(Stats.percentile(latencies, 99));
        }
        double ratio = Stats.median(beside) / Stats.median(alone);
        c.say("queries: p99 %.3f ms beside hostile queries vs %.3f ms alone; hostile statuses %s", Stats.median(beside), Stats.median(alone),
                statuses);
        report.add(new Report.Row("queries", "one client's p99 while another sends queries that reach limits, vs alone", Stats.median(beside),
                Stats.median(alone), "ms", "ratio <= 2", ratio <= 2, String.format(Locale.ROOT,
                        "one serve; medians of %d windows each of 3 x 200 queries; hostile answers by status: %s (-1: no answer)", beside.size(), statuses)));
    }

    private static SearchServer serve(ObjectStore store, PartitionSelection partitions, Path cache) {
        return SearchServer.start(ServerConfig.defaults(store, cache).withAddress("127.0.0.1", 0).withPoll(Duration.ofSeconds(1))
                .withPartitions(partitions));
    }

    private static void awaitReady(HttpClient http, int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (ready.statusCode() == 200) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the server on port " + port + " was not ready within 5 minutes");
    }

    private static JsonNode get(HttpClient http, int port, String query, Variant variant) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/search?q="
                + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&k=" + K + variant.parameters())).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(query + ": HTTP " + response.statusCode() + ": " + response.body());
        }
        return Json.MAPPER.readTree(response.body());
    }

    /** A result as compared here: ids, score bits and sort values in order, then the facets. */
    private static List<String> rows(SearchResult result) {
        List<String> rows = new ArrayList<>();
        result.hits().forEach(hit -> rows.add(hit.id() + "=" + Float.floatToRawIntBits(hit.score()) + " " + hit.sort()));
        result.facets().forEach(facet -> rows.add(facet.toString()));
        return rows;
    }

    /** One plain Lucene index searched with the same queries, filters, sort and facets (and the same facet counting). */
    private static final class Baseline {
        private final IndexSearcher searcher;
        private final QueryLanguage language;
        private final Map<String, StringDocValuesReaderState> states = new java.util.concurrent.ConcurrentHashMap<>();

        Baseline(DirectoryReader reader, Analyzer analyzer) {
            this.searcher = new IndexSearcher(reader);
            searcher.setSimilarity(similarity());
            this.language = new QueryLanguage(SPEC, analyzer, QueryLimits.DEFAULT);
        }

        List<String> rows(SearchRequest request) throws IOException {
            List<Query> filters = new ArrayList<>();
            for (String filter : request.filters()) {
                filters.add(language.parse(filter));
            }
            Query query = language.filtered(language.parse(request.query()), filters);
            Sort sort = request.sort().lucene(SPEC);
            TopFieldDocs top;
            List<FacetResult> facets = List.of();
            TopFieldCollectorManager tops = new TopFieldCollectorManager(sort, K, null, 1_000);
            if (request.facets().isEmpty()) {
                top = searcher.search(query, tops);
            } else {
                Object[] both = searcher.search(query, new MultiCollectorManager(tops, new FacetsCollectorManager()));
                top = (TopFieldDocs) both[0];
                facets = FacetCounts.finish(request.facets(), FacetCounts.count(request.facets(), SPEC, (FacetsCollector) both[1],
                        field -> states.computeIfAbsent(field, name -> {
                            try {
                                return new StringDocValuesReaderState(searcher.getIndexReader(), name);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        })));
            }
            TopFieldCollector.populateScores(top.scoreDocs, searcher, query);
            List<String> rows = new ArrayList<>();
            var stored = searcher.storedFields();
            for (ScoreDoc doc : top.scoreDocs) {
                FieldDoc field = (FieldDoc) doc;
                rows.add(stored.document(doc.doc).get(SPEC.idField()) + "=" + Float.floatToRawIntBits(field.score) + " "
                        + (request.sort().relevance() ? List.of() : request.sort().shown(SortOrder.values(field))));
            }
            facets.forEach(facet -> rows.add(facet.toString()));
            return rows;
        }
    }

    private static BM25Similarity similarity() {
        return new BM25Similarity((float) SPEC.similarity().k1(), (float) SPEC.similarity().b());
    }

    /** The corpus with {@code source} (the id's prefix), {@code year} and {@code price} (from the id's hash) added to every record. */
    private static Path augment(Path corpus, Path into) throws IOException {
        Files.createDirectories(into.getParent());
        try (BufferedReader in = Files.newBufferedReader(corpus); BufferedWriter out = Files.newBufferedWriter(into)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                ObjectNode record = (ObjectNode) Json.MAPPER.readTree(line);
                String id = record.path("id").asText();
                int dash = id.indexOf('-');
                int hash = id.hashCode() & 0x7fffffff;
                record.put("source", dash > 0 ? id.substring(0, dash) : id);
                record.put("year", 1900 + hash % 125);
                if (hash % 10 != 3) {
                    record.put("price", (hash % 100_000) / 100.0);
                }
                out.write(record.toString());
                out.newLine();
            }
        }
        return into;
    }
}
