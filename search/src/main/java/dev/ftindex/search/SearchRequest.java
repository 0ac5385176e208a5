package dev.ftindex.search;

import static java.util.Objects.requireNonNull;


/**
 * One search: the query, which page of the order (score, then id) to return, and what each hit
 * carries.
 *
 * @param query Lucene's classic syntax over the spec's default search fields
 * @param k hits a page holds
 * @param from hits of the order skipped before the page (the second page of ten: 10)
 * @param storedFields whether hits carry their stored fields; without, only the id is read (a run file needs no more)
 * @param highlight whether hits carry snippets of their stored text fields with the matched words marked
 */
public record SearchRequest(String query, int k, int from, boolean storedFields, boolean highlight) {
    /** The deepest a page may reach ({@code from + k}): deep paging reads every hit before the page. */
    public static final int MAX_WINDOW = 10_000;

    public SearchRequest {
        requireNonNull(query, "query is null");
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive: " + k);
        }
        if (from < 0) {
            throw new IllegalArgumentException("from must not be negative: " + from);
        }
        if ((long) from + k > MAX_WINDOW) {
            throw new IllegalArgumentException("from + k must be at most " + MAX_WINDOW + ", not " + ((long) from + k));
        }
    }

    /** The first {@code k} hits with their stored fields. */
    public static SearchRequest top(String query, int k) {
        return new SearchRequest(query, k, 0, true, false);
    }

    public SearchRequest withFrom(int newFrom) {
        return new SearchRequest(query, k, newFrom, storedFields, highlight);
    }

    public SearchRequest withHighlight(boolean newHighlight) {
        return new SearchRequest(query, k, from, storedFields, newHighlight);
    }

    public SearchRequest withStoredFields(boolean newStoredFields) {
        return new SearchRequest(query, k, from, newStoredFields, highlight);
    }
}
