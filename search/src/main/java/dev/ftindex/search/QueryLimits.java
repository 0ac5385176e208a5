package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What one search may cost, the same in {@code search}, {@code serve}, shard servers and a
 * router: each limit a query reaches is refused with a 400 naming it ({@link QueryLimitException}),
 * or, for the deadline, a 503 {@code query-timeout} (partial results when they were asked for).
 *
 * @param maxChars the longest query (and filter) text
 * @param maxDepth the deepest nesting of parentheses
 * @param maxClauses the most clauses of a query after its multi-term parts are expanded (Lucene's
 *     {@code IndexSearcher.getMaxClauseCount}, which is one setting per JVM: see {@link #DEFAULT})
 * @param maxExpansions the most terms a prefix, wildcard or regular expression may match in one field
 * @param timeout how long a search may run before it stops (and answers {@code query-timeout})
 */
public record QueryLimits(int maxChars, int maxDepth, int maxClauses, int maxExpansions, Duration timeout) {
    /**
     * The defaults: 8,192 characters, 32 levels, Lucene's 1,024 clauses, 100,000 terms a multi-term
     * query, 5 seconds.
     */
    public static final QueryLimits DEFAULT = new QueryLimits(8_192, 32, 1_024, 100_000, Duration.ofSeconds(5));

    public QueryLimits {
        requireNonNull(timeout, "timeout is null");
        if (maxChars < 1 || maxDepth < 1 || maxClauses < 1 || maxExpansions < 1) {
            throw new IllegalArgumentException("query limits must be positive");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the query timeout must be positive, not " + timeout);
        }
    }

    public QueryLimits withTimeout(Duration newTimeout) {
        return new QueryLimits(maxChars, maxDepth, maxClauses, maxExpansions, newTimeout);
    }
}
