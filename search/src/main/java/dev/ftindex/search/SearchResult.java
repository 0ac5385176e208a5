package dev.ftindex.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.ftindex.format.WireEnum;
import java.util.List;
import java.util.Map;

/**
 * The hits of one query in its order (relevance unless a sort was asked for; always ending in
 * the id, so a result is the same on every run and for every partitioning of the index), and the
 * facets counted over every matching document.
 *
 * @param k hits a page holds
 * @param from hits of the order skipped before this page
 * @param count how many documents match (flattened into the JSON: {@code totalHits},
 *     {@code totalHitsRelation})
 * @param sort the order, when it is not relevance ({@code year:desc,source:asc}; the id follows)
 * @param after when the page is full: the cursor of its last hit, to pass as {@code after} for
 *     the next page (which may be empty)
 * @param timedOut present (true) when the search reached its deadline and {@code partial} was
 *     asked for: the hits and counts are of the documents searched until then
 * @param facets the counts asked for, in the order asked
 */
public record SearchResult(String indexId, String query, int k, int from, @JsonUnwrapped Count count, List<Hit> hits, double seconds,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String sort,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String after,
                           @JsonInclude(JsonInclude.Include.NON_NULL) Boolean timedOut,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FacetResult> facets) {

    public SearchResult {
        hits = List.copyOf(hits);
        facets = facets == null ? List.of() : List.copyOf(facets);
    }

    public SearchResult(String indexId, String query, int k, int from, Count count, List<Hit> hits, double seconds) {
        this(indexId, query, k, from, count, hits, seconds, null, null, null, List.of());
    }

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

    /** This result with other hits (the same hits with fewer fields, say); everything else as it is. */
    public SearchResult withHits(List<Hit> newHits) {
        return new SearchResult(indexId, query, k, from, count, newHits, seconds, sort, after, timedOut, facets);
    }

    /**
     * @param partition the committed partition number {@code n} the document is in
     * @param fields the document's stored fields (a list where a field has several values)
     * @param highlights when asked for: per stored text field that matched, snippets with the
     *     matched words in {@code <mark>} and the rest HTML-escaped; absent otherwise
     * @param sort the hit's values of the order's keys and its id, when the order is not relevance
     *     (a missing value is null)
     */
    public record Hit(String id, float score, int partition, Map<String, Object> fields,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> highlights,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Object> sort) {
        public Hit {
            highlights = highlights == null ? Map.of() : Map.copyOf(highlights);
            sort = sort == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(sort));
        }

        public Hit(String id, float score, int partition, Map<String, Object> fields, Map<String, String> highlights) {
            this(id, score, partition, fields, highlights, List.of());
        }

        public Hit(String id, float score, int partition, Map<String, Object> fields) {
            this(id, score, partition, fields, Map.of(), List.of());
        }
    }
}
