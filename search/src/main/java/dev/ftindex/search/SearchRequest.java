package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;

/**
 * One search: the query and its filters, the order, which page of it to return, what each hit
 * carries, and the facets to count.
 *
 * @param query Lucene's classic syntax over the spec's default search fields ({@link QueryLanguage})
 * @param k hits a page holds
 * @param from hits of the order skipped before the page (the second page of ten: 10)
 * @param storedFields whether hits carry their stored fields; without, only the id is read (a run file needs no more)
 * @param highlight whether hits carry snippets of their stored text fields with the matched words marked
 * @param filters queries in the same syntax every hit must match, without changing its score
 * @param sort the order of the hits (always ending in the id)
 * @param after where the previous page of this order ended: the page starts after it ({@code from} is then 0)
 * @param facets counts over every matching document
 * @param partial whether a search that reaches its deadline answers with the hits found so far
 *     (flagged {@code timedOut}) instead of failing with {@code query-timeout}
 */
public record SearchRequest(String query, int k, int from, boolean storedFields, boolean highlight, List<String> filters, SortOrder sort,
                            Cursor after, List<FacetRequest> facets, boolean partial) {
    /** The deepest a page may reach ({@code from + k}): deep paging reads every hit before the page; past it, use {@code after}. */
    public static final int MAX_WINDOW = 10_000;

    public SearchRequest {
        requireNonNull(query, "query is null");
        filters = filters == null ? List.of() : List.copyOf(filters);
        sort = sort == null ? SortOrder.RELEVANCE : sort;
        facets = facets == null ? List.of() : List.copyOf(facets);
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive: " + k);
        }
        if (from < 0) {
            throw new IllegalArgumentException("from must not be negative: " + from);
        }
        if ((long) from + k > MAX_WINDOW) {
            throw new QueryLimitException(QueryLimitException.Limit.WINDOW, String.format(Locale.ROOT,
                    "from + k must be at most %,d, not %,d: to page further, pass each page's 'after' cursor to the next", MAX_WINDOW,
                    (long) from + k));
        }
        if (after != null && from != 0) {
            throw new IllegalArgumentException("a page that starts 'after' a cursor has no 'from' (it is " + from + ")");
        }
        if (after != null && !after.sort().equals(sort.describe())) {
            throw new IllegalArgumentException("the cursor was made for sort '" + after.sort() + "', not '" + sort.describe()
                    + "': a cursor resumes the order it came from");
        }
        for (String filter : filters) {
            if (filter == null || filter.isBlank()) {
                throw new IllegalArgumentException("a filter is a query: it cannot be empty");
            }
        }
    }

    /** A search of the first {@code k} hits by relevance, with their stored fields. */
    public SearchRequest(String query, int k, int from, boolean storedFields, boolean highlight) {
        this(query, k, from, storedFields, highlight, List.of(), SortOrder.RELEVANCE, null, List.of(), false);
    }

    /** The first {@code k} hits with their stored fields. */
    public static SearchRequest top(String query, int k) {
        return new SearchRequest(query, k, 0, true, false);
    }

    public SearchRequest withFrom(int newFrom) {
        return new SearchRequest(query, k, newFrom, storedFields, highlight, filters, sort, after, facets, partial);
    }

    public SearchRequest withHighlight(boolean newHighlight) {
        return new SearchRequest(query, k, from, storedFields, newHighlight, filters, sort, after, facets, partial);
    }

    public SearchRequest withStoredFields(boolean newStoredFields) {
        return new SearchRequest(query, k, from, newStoredFields, highlight, filters, sort, after, facets, partial);
    }

    public SearchRequest withFilters(List<String> newFilters) {
        return new SearchRequest(query, k, from, storedFields, highlight, newFilters, sort, after, facets, partial);
    }

    public SearchRequest withSort(SortOrder newSort) {
        return new SearchRequest(query, k, from, storedFields, highlight, filters, newSort, after, facets, partial);
    }

    public SearchRequest withAfter(Cursor newAfter) {
        return new SearchRequest(query, k, from, storedFields, highlight, filters, sort, newAfter, facets, partial);
    }

    public SearchRequest withFacets(List<FacetRequest> newFacets) {
        return new SearchRequest(query, k, from, storedFields, highlight, filters, sort, after, newFacets, partial);
    }

    public SearchRequest withPartial(boolean newPartial) {
        return new SearchRequest(query, k, from, storedFields, highlight, filters, sort, after, facets, newPartial);
    }
}
