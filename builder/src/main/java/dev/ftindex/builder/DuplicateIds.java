package dev.ftindex.builder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.util.BytesRef;

/**
 * Ids that occur more than once in a partition. The id field is indexed as one exact token per
 * document, so after indexing an id that occurs twice is simply a term with a document
 * frequency above one: one pass over the id field's terms finds them all, without any memory
 * per document while indexing.
 */
public final class DuplicateIds {
    private DuplicateIds() {}

    /**
     * @param ids ids that occur more than once
     * @param documents documents that carry one of those ids
     * @param examples the first of those ids in id order, at most the number asked for
     */
    public record Found(long ids, long documents, List<String> examples) {
        static final Found NONE = new Found(0, 0, List.of());

        public boolean any() {
            return ids > 0;
        }
    }

    /** The ids with a document frequency above one in {@code reader}'s {@code idField}: one pass over its terms. */
    static Found find(IndexReader reader, String idField, int examples) throws IOException {
        Terms terms = MultiTerms.getTerms(reader, idField);
        if (terms == null || terms.size() == reader.maxDoc()) {
            // One term per document: no id can occur twice (size() is exact for one segment).
            return Found.NONE;
        }
        long ids = 0;
        long documents = 0;
        List<String> first = new ArrayList<>();
        TermsEnum term = terms.iterator();
        for (BytesRef id = term.next(); id != null; id = term.next()) {
            int docFreq = term.docFreq();
            if (docFreq > 1) {
                ids++;
                documents += docFreq;
                if (first.size() < examples) {
                    first.add(id.utf8ToString());
                }
            }
        }
        return new Found(ids, documents, first);
    }

    /** "3 ids occur more than once (7 records): "a" at f:1, f:9; ..." ({@code locations}: where each example id occurs, as the caller knows it). */
    public static String describe(long partition, Found found, Map<String, List<String>> locations) {
        return describe(partition, found, locations, "pass --allow-duplicate-ids");
    }

    /** As above; {@code toAllow} says how this caller keeps duplicates ("set the option allowDuplicateIds"). */
    public static String describe(long partition, Found found, Map<String, List<String>> locations, String toAllow) {
        StringBuilder text = new StringBuilder("partition ").append(partition).append(": ")
                .append(found.ids()).append(found.ids() == 1 ? " id occurs" : " ids occur").append(" more than once (")
                .append(found.documents()).append(" records)");
        String separator = ": ";
        for (String id : found.examples()) {
            text.append(separator).append('"').append(id).append('"');
            List<String> where = locations.getOrDefault(id, List.of());
            if (!where.isEmpty()) {
                text.append(" at ").append(String.join(", ", where));
            }
            separator = "; ";
        }
        if (found.ids() > found.examples().size()) {
            text.append("; and ").append(found.ids() - found.examples().size()).append(" more");
        }
        return text.append(" (an id must be unique: fix the input, or ").append(toAllow).append(" to index every record)").toString();
    }
}
