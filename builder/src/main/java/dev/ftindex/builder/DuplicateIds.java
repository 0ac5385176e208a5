package dev.ftindex.builder;

import dev.ftindex.builder.Assignment.Split;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
    /** Occurrences named per id in a message. */
    private static final int LOCATIONS_PER_ID = 5;

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

    /**
     * Where each of {@code ids} occurs in the share: "file:line" (or "file at byte N" inside a
     * split file; "file: row group g, row r" in Parquet). Reads the share once more, looking only
     * at each record's id: the price is paid on the failure path only.
     */
    static Map<String, List<String>> locate(List<Split> share, IndexSpec spec, List<String> ids) throws IOException {
        DocumentMapper mapper = new DocumentMapper(spec);
        Map<String, List<String>> locations = new LinkedHashMap<>();
        ids.forEach(id -> locations.put(id, new ArrayList<>()));
        try (Stage stage = Progress.silent().stage("locating", "docs", -1, -1)) {
            for (Split split : share) {
                boolean text = !SplitReader.parquet(split) && SplitReader.read(split, stage, (buffer, start, length, lineNumber, offset) -> {
                    mapper.id(buffer, start, length).ifPresent(id -> note(locations, id, SplitReader.location(split, lineNumber, offset)));
                    return true;
                });
                if (!text) {
                    ParquetSplits.read(split, spec, true, stage, (mapping, row, location) -> {
                        try {
                            mapping.id(row).ifPresent(id -> note(locations, id, location));
                        } catch (dev.ftindex.format.BadRecordException e) {
                            // A row without a valid id was not indexed; it is no occurrence.
                        }
                        return true;
                    });
                }
            }
        }
        return locations;
    }

    private static void note(Map<String, List<String>> locations, String id, String location) {
        List<String> found = locations.get(id);
        if (found != null && found.size() < LOCATIONS_PER_ID) {
            found.add(location);
        }
    }

    /** "3 ids occur more than once (7 records): "a" at f:1, f:9; ..." */
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
