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
        this(spec, directoryPath, true, (writer, mapper) -> {
            for (String line : lines) {
                writer.addDocument(map(mapper, line));
            }
            writer.forceMerge(1);
        });
    }

    /** What is done to the one index: documents added, updated, deleted. */
    private interface Operations {
        void apply(IndexWriter writer, DocumentMapper mapper) throws IOException, BadRecordException;
    }

    /**
     * One Lucene index fed the operations of an update of a base: the base's documents added, the
     * ids of {@code deletes} deleted, then the new documents added ({@code upsert}: with
     * {@code updateDocument} by id, so each replaces the base's document of its id). Never merged:
     * deleted documents stay in the statistics, as they do in one Lucene index until a merge.
     */
    public static ReferenceIndex updated(IndexSpec spec, List<String> base, List<String> deletes, List<String> added, boolean upsert,
                                         Path directoryPath) throws IOException, BadRecordException {
        return new ReferenceIndex(spec, directoryPath, false, (writer, mapper) -> {
            for (String line : base) {
                writer.addDocument(map(mapper, line));
            }
            writer.commit();
            for (String id : deletes) {
                writer.deleteDocuments(new org.apache.lucene.index.Term(spec.idField(), id));
            }
            for (String line : added) {
                org.apache.lucene.document.Document document = map(mapper, line);
                if (upsert) {
                    writer.updateDocument(new org.apache.lucene.index.Term(spec.idField(), document.get(spec.idField())), document);
                } else {
                    writer.addDocument(document);
                }
            }
        });
    }

    private static org.apache.lucene.document.Document map(DocumentMapper mapper, String line) throws BadRecordException {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return mapper.map(bytes, 0, bytes.length);
    }

    private ReferenceIndex(IndexSpec spec, Path directoryPath, boolean merges, Operations operations) throws IOException, BadRecordException {
        this.spec = spec;
        this.analyzer = Analyzers.forSpec(spec);
        BM25Similarity similarity = new BM25Similarity((float) spec.similarity().k1(), (float) spec.similarity().b());
        this.directory = FSDirectory.open(directoryPath);
        DocumentMapper mapper = new DocumentMapper(spec);
        IndexWriterConfig config = new IndexWriterConfig(Analyzers.forSpec(spec)).setSimilarity(similarity);
        if (!merges) {
            config.setMergePolicy(org.apache.lucene.index.NoMergePolicy.INSTANCE);
        }
        try (IndexWriter writer = new IndexWriter(directory, config)) {
            operations.apply(writer, mapper);
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
