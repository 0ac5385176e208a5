package dev.ftindex.search;

import dev.ftindex.format.ErrorKind;

/** A query that Lucene's classic query syntax cannot parse (exit code 2). */
public final class QuerySyntaxException extends RuntimeException implements ErrorKind.Kinded {
    public QuerySyntaxException(String query, String problem) {
        super("cannot parse the query '" + query + "': " + problem);
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.INVALID_QUERY;
    }
}
