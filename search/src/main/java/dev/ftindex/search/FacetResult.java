package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.util.List;

/**
 * The counts of one {@link FacetRequest} over every matching document.
 *
 * @param values for {@link FacetRequest.Kind#VALUES}, how many distinct values the matching
 *     documents hold (the buckets are the top of them); absent for ranges and histograms
 * @param buckets for values: the top values by count (ties by value); for ranges: one per range,
 *     in the order asked; for a histogram: every bucket that holds a value, ascending
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FacetResult(String field, FacetRequest.Kind kind, Long values, List<Bucket> buckets) {
    public FacetResult {
        requireNonNull(field, "field is null");
        requireNonNull(kind, "kind is null");
        buckets = List.copyOf(buckets);
    }

    /**
     * One count: of a {@code value} (a string for a keyword field, a number for a long field), or of
     * the documents with a value in {@code [from, to)} (a null end is open).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Bucket(Object value, BigDecimal from, BigDecimal to, long count) {}
}
