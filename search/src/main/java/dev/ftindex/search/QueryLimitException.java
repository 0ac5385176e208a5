package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.ErrorKind;
import dev.ftindex.format.WireEnum;

/**
 * A query over one of the limits of {@link QueryLimits} (or a window, a facet's width): a 400
 * {@code query-limit} whose message names the limit and its value; the deadline alone is a 503
 * ({@link ErrorKind#QUERY_TIMEOUT}).
 */
public final class QueryLimitException extends RuntimeException implements ErrorKind.Kinded {
    /** Which limit a query reached. */
    public enum Limit implements WireEnum {
        LENGTH, DEPTH, CLAUSES, EXPANSIONS, REGEXP, WINDOW, FACET_VALUES, TIMEOUT
    }

    private final Limit limit;

    public QueryLimitException(Limit limit, String message) {
        super(message);
        this.limit = requireNonNull(limit, "limit is null");
    }

    public Limit limit() {
        return limit;
    }

    @Override
    public ErrorKind errorKind() {
        return limit == Limit.TIMEOUT ? ErrorKind.QUERY_TIMEOUT : ErrorKind.QUERY_LIMIT;
    }
}
