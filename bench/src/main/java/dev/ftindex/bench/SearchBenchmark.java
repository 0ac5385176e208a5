package dev.ftindex.bench;

import dev.ftindex.format.Analyzers;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.SearchResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;

/**
 * 4. The same queries on the committed index (fetched into the local cache, one searcher over all
 * partitions) and on one single index of the whole corpus: identical results, and latency
 * (parse, search, and loading the stored fields of the hits, on both sides), passes alternating.
 */
final class SearchBenchmark {
    private static final int QUERIES = 200;
    private static final int K = 10;

    private SearchBenchmark() {}

    static void run(BenchContext c, Report report, FinalizerBenchmark.Committed committed, Path singleIndex, int threads) throws Exception {
        List<String> queries = queries(c.spec());
        try (ObjectStore store = ObjectStores.open(new StoreLocation.S3(committed.bucket(), committed.prefix()), c.s3().settings().build(), Map.of());
             CommittedIndex index = CommittedIndex.open(store, c.scratch("search-cache"), threads, Progress.silent());
             FSDirectory directory = FSDirectory.open(singleIndex);
             DirectoryReader reader = DirectoryReader.open(directory);
             Analyzer analyzer = Analyzers.forSpec(c.spec())) {
            IndexSearcher single = new IndexSearcher(reader);
            single.setSimilarity(new BM25Similarity((float) c.spec().similarity().k1(), (float) c.spec().similarity().b()));
            Sort order = CommittedIndex.order(c.spec());

            int identical = 0;
            for (String query : queries) {
                if (hits(index.search(query, K)).equals(hits(single, c.spec(), analyzer, order, query))) {
                    identical++;
                }
            }
            for (int warm = 0; warm < 10; warm++) {
                for (String query : queries) {
                    index.search(query, K);
                    hits(single, c.spec(), analyzer, order, query);
                }
            }
            List<Double> ours = new ArrayList<>();
            List<Double> theirs = new ArrayList<>();
            for (int pass = 0; pass < Math.max(3, c.runs()) * 2; pass++) {
                for (String query : queries) {
                    // Alternate who goes first, so that neither always runs in the other's wake.
                    boolean oursFirst = (pass + query.length()) % 2 == 0;
                    if (!oursFirst) {
                        theirs.add(time(() -> hits(single, c.spec(), analyzer, order, query)));
                    }
                    ours.add(time(() -> index.search(query, K)));
                    if (oursFirst) {
                        theirs.add(time(() -> hits(single, c.spec(), analyzer, order, query)));
                    }
                }
            }
            c.say("search: %d of %d queries identical; p50 %.3f ms vs %.3f ms", identical, queries.size(), Stats.median(ours), Stats.median(theirs));
            report.add(new Report.Row("search", "queries with identical ids and scores" + (threads > 1 ? "" : " (sequential)"), identical, queries.size(), "queries", "all", identical == queries.size(),
                    index.metadata().totals().partitions() + " partitions vs 1 index"));
            double ratio = Stats.median(ours) / Stats.median(theirs);
            String mode = ", " + threads + " search thread" + (threads > 1 ? "s" : "");
            report.add(new Report.Row("search", "latency p50" + mode, Stats.median(ours), Stats.median(theirs), "ms", "ratio <= 1.15", ratio <= 1.15,
                    ours.size() / queries.size() + " passes of " + queries.size() + " queries, k=" + K));
            report.add(new Report.Row("search", "latency p99" + mode, Stats.percentile(ours, 99), Stats.percentile(theirs, 99), "ms", "", null, ""));
        }
    }

    interface Search {
        Object run() throws Exception;
    }

    /** Milliseconds {@code search} took. */
    static double time(Search search) throws Exception {
        long start = System.nanoTime();
        search.run();
        return (System.nanoTime() - start) / 1e6;
    }

    static List<String> queries(IndexSpec spec) throws Exception {
        Corpus.Vocabulary vocabulary = Corpus.Vocabulary.fromSample();
        Random random = new Random(42);
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < QUERIES; i++) {
            String a = vocabulary.searchable(random);
            String b = vocabulary.searchable(random);
            queries.add(switch (i % 5) {
                case 0, 1 -> a;
                case 2 -> a + " " + b;
                case 3 -> a + " AND " + b;
                default -> "\"" + a + " " + b + "\" OR " + a;
            });
        }
        return queries;
    }

    /** A result as the benchmarks compare them: ids and the bits of the scores, in order. */
    static List<String> hits(SearchResult result) {
        return result.hits().stream().map(hit -> hit.id() + "=" + Float.floatToRawIntBits(hit.score())).toList();
    }

    private static List<String> hits(IndexSearcher searcher, IndexSpec spec, Analyzer analyzer, Sort order, String query) throws Exception {
        TopFieldDocs top = searcher.search(CommittedIndex.parse(spec, analyzer, query), K, order, true);
        List<String> hits = new ArrayList<>();
        var stored = searcher.storedFields();
        for (ScoreDoc doc : top.scoreDocs) {
            Document document = stored.document(doc.doc);
            hits.add(document.get(spec.idField()) + "=" + Float.floatToRawIntBits(((FieldDoc) doc).score));
        }
        return hits;
    }
}
