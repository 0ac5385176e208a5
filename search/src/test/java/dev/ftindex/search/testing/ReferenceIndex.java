package dev.ftindex.search.testing;

import dev.ftindex.format.Analyzers;
import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.Cursor;
import dev.ftindex.search.QueryLanguage;
import dev.ftindex.search.QueryLimits;
import dev.ftindex.search.SortOrder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;

/**
 * One plain Lucene index built on one machine from the same documents and spec: the yardstick
 * that a distributed build must match exactly.
 */
public final class ReferenceIndex implements AutoCloseable {
    private final IndexSpec spec;
    private final FSDirectory directory;
    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    private final Analyzer analyzer;

    /** A scored hit: the id and the exact bits of the score. */
    public record Scored(String id, int scoreBits) {
        public static Scored of(String id, float score) {
            return new Scored(id, Float.floatToRawIntBits(score));
        }

        @Override
        public String toString() {
            return id + "=" + Float.intBitsToFloat(scoreBits);
        }
    }

    public ReferenceIndex(IndexSpec spec, List<String> lines, Path directoryPath) throws IOException, BadRecordException {
        this.spec = spec;
        this.analyzer = Analyzers.forSpec(spec);
        BM25Similarity similarity = new BM25Similarity((float) spec.similarity().k1(), (float) spec.similarity().b());
        this.directory = FSDirectory.open(directoryPath);
        DocumentMapper mapper = new DocumentMapper(spec);
        try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(Analyzers.forSpec(spec)).setSimilarity(similarity))) {
            for (String line : lines) {
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                writer.addDocument(mapper.map(bytes, 0, bytes.length));
            }
            writer.forceMerge(1);
        }
        this.reader = DirectoryReader.open(directory);
        this.searcher = new IndexSearcher(reader);
        searcher.setSimilarity(similarity);
    }

    public List<Scored> search(String query, int k) throws IOException {
        TopFieldDocs top = searcher.search(CommittedIndex.parse(spec, analyzer, query), k, CommittedIndex.order(spec), true);
        List<Scored> hits = new ArrayList<>();
        var stored = searcher.storedFields();
        for (ScoreDoc doc : top.scoreDocs) {
            hits.add(Scored.of(stored.document(doc.doc).get(spec.idField()), ((FieldDoc) doc).score));
        }
        return hits;
    }

    /** A hit of {@link #search(String, List, SortOrder, Cursor, int)}: id, score bits, and its sort values as a result shows them. */
    public record Sorted(String id, int scoreBits, List<Object> sort) {
        @Override
        public String toString() {
            return id + "=" + Float.intBitsToFloat(scoreBits) + sort;
        }
    }

    /** A page of hits and where the next starts. */
    public record Page(List<Sorted> hits, long totalHits, String after) {}

    /**
     * The first {@code k} hits of {@code query} restricted by {@code filters}, in {@code order},
     * after {@code after} if given: one plain searcher over one index, with the parser every path
     * uses and Lucene's own rewrite of every query (fuzzy terms included).
     */
    public Page search(String query, List<String> filters, SortOrder order, Cursor after, int k) throws IOException {
        QueryLanguage language = new QueryLanguage(spec, analyzer, QueryLimits.DEFAULT);
        List<org.apache.lucene.search.Query> parsed = new ArrayList<>();
        for (String filter : filters) {
            parsed.add(language.parse(filter));
        }
        org.apache.lucene.search.Query lucene = language.filtered(language.parse(query), parsed);
        org.apache.lucene.search.Sort sort = order.lucene(spec);
        FieldDoc start = after == null ? null : new FieldDoc(Integer.MAX_VALUE, Float.NaN, SortOrder.lucene(after.values(), sort));
        TopFieldDocs top = searcher.search(lucene, new org.apache.lucene.search.TopFieldCollectorManager(sort, k, start, Integer.MAX_VALUE));
        org.apache.lucene.search.TopFieldCollector.populateScores(top.scoreDocs, searcher, lucene);
        List<Sorted> hits = new ArrayList<>();
        var stored = searcher.storedFields();
        for (ScoreDoc doc : top.scoreDocs) {
            FieldDoc field = (FieldDoc) doc;
            hits.add(new Sorted(stored.document(doc.doc).get(spec.idField()), Float.floatToRawIntBits(field.score),
                    order.relevance() ? List.of() : order.shown(SortOrder.values(field))));
        }
        String next = hits.size() == k ? new Cursor(order.describe(), SortOrder.values((FieldDoc) top.scoreDocs[k - 1])).token() : null;
        return new Page(hits, top.totalHits.value(), next);
    }

    public long totalHits(String query) throws IOException {
        return searcher.count(CommittedIndex.parse(spec, analyzer, query));
    }

    @Override
    public void close() throws IOException {
        reader.close();
        directory.close();
        analyzer.close();
    }
}
