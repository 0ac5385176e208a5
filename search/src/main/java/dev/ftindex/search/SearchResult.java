package dev.ftindex.search;

import java.util.List;
import java.util.Map;

/**
 * The hits of one query, best first; equal scores are ordered by id, so a result is the same on
 * every run and for every partitioning of the index.
 *
 * @param totalHits matching documents ({@code totalHitsRelation} {@code eq}), or a lower bound
 *     ({@code gte}) when Lucene stopped counting
 */
public record SearchResult(String indexId, String query, int k, long totalHits, String totalHitsRelation, List<Hit> hits,
                           double seconds) {

    /**
     * @param partition the committed partition number {@code n} the document is in
     * @param fields the document's stored fields (a list where a field has several values)
     */
    public record Hit(String id, float score, int partition, Map<String, Object> fields) {}
}
