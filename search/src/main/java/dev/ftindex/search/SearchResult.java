package dev.ftindex.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.ftindex.format.WireEnum;
import java.util.List;
import java.util.Map;

/**
 * The hits of one query, best first; equal scores are ordered by id, so a result is the same on
 * every run and for every partitioning of the index.
 *
 * @param k hits a page holds
 * @param from hits of the order skipped before this page
 * @param count how many documents match (flattened into the JSON: {@code totalHits},
 *     {@code totalHitsRelation})
 */
public record SearchResult(String indexId, String query, int k, int from, @JsonUnwrapped Count count, List<Hit> hits, double seconds) {

    /**
     * @param totalHits matching documents ({@code totalHitsRelation} {@code eq}), or a lower bound
     *     ({@code gte}) when Lucene stopped counting
     */
    public record Count(long totalHits, Relation totalHitsRelation) {}

    /** Whether {@code totalHits} is exact. */
    public enum Relation implements WireEnum {
        EQ,
        GTE;
    }

    public long totalHits() {
        return count.totalHits();
    }

    /**
     * @param partition the committed partition number {@code n} the document is in
     * @param fields the document's stored fields (a list where a field has several values)
     * @param highlights when asked for: per stored text field that matched, snippets with the
     *     matched words in {@code <mark>} and the rest HTML-escaped; absent otherwise
     */
    public record Hit(String id, float score, int partition, Map<String, Object> fields,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> highlights) {
        public Hit {
            highlights = highlights == null ? Map.of() : Map.copyOf(highlights);
        }

        public Hit(String id, float score, int partition, Map<String, Object> fields) {
            this(id, score, partition, fields, Map.of());
        }
    }
}
