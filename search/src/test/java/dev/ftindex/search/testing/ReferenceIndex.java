package dev.ftindex.search.testing;

import dev.ftindex.format.Analyzers;
import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.search.CommittedIndex;
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
