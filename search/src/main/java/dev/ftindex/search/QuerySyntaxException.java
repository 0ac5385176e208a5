package dev.ftindex.search;

/** A query that Lucene's classic query syntax cannot parse (exit code 2). */
public final class QuerySyntaxException extends RuntimeException {
    public QuerySyntaxException(String query, String problem) {
        super("cannot parse the query '" + query + "': " + problem);
    }
}
