package dev.ftindex.search;

import dev.ftindex.format.ErrorKind;

/**
 * A search that cannot be run as asked: a query (or filter) that Lucene's classic syntax cannot
 * parse or that does not fit its fields, or a sort, facet or cursor that the index cannot serve.
 * A 400 {@code invalid-query} (exit code 2) whose message names what was asked and why.
 */
public final class QuerySyntaxException extends RuntimeException implements ErrorKind.Kinded {
    /** A query's text that does not parse or fit: "cannot parse the query 'year:19x9': field 'year' is long: ...". */
    public QuerySyntaxException(String query, String problem) {
        super("cannot parse the query '" + query + "': " + problem);
    }

    private QuerySyntaxException(String message) {
        super(message);
    }

    /** Another part of a search that the index cannot serve: "sort 'title': field 'title' is text: ...". */
    public static QuerySyntaxException of(String what, String problem) {
        return new QuerySyntaxException(what + ": " + problem);
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.INVALID_QUERY;
    }
}
