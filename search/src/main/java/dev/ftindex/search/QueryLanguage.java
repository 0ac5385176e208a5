package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.IndexSpec.FieldSpec;
import dev.ftindex.format.IndexSpec.FieldType;
import dev.ftindex.format.IndexSpec;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.MultiTermQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.automaton.TooComplexToDeterminizeException;

/**
 * What query text means for an index with a given spec: the one parser of every path ({@code
 * search}, batch runs, {@code serve}, shard servers; a router sends the text on), so a query has
 * one meaning wherever it runs.
 *
 * <p>Lucene's classic syntax over the spec's default search fields, with each field searched as its
 * type is indexed: text fields analyzed; keyword fields as exact terms (and prefix, wildcard,
 * fuzzy, regular expression and range over their terms); {@code long} and {@code double} fields
 * through their points ({@code year:1999}, {@code year:[1950 TO 1960]}, {@code year:{1990 TO *]},
 * {@code price:[* TO 9.5]}), with Lucene's {@code LongField}/{@code DoubleField} queries, which use
 * the doc values instead where that is cheaper. A value that is not a number of the field's type,
 * or a multi-term pattern on a number field, is a {@link QuerySyntaxException} naming field and
 * value, never an empty result.
 *
 * <p>Why the classic parser with its field hooks overridden rather than the flexible
 * {@code StandardQueryParser} with a {@code PointsConfig}: the classic syntax is what every
 * released ftindex has parsed, so every existing query keeps its meaning and its scores bit for
 * bit (the flexible parser builds some queries differently, e.g. multi-field phrases); the hooks
 * are five small methods in one class; and the flexible parser's points support covers ranges only,
 * so exact values and the refusals would need the same hooks there too.
 *
 * <p>Limits ({@link QueryLimits}) are checked here before parsing (length, nesting) and by every
 * multi-term query's rewrite (expansions); clauses after rewrite are Lucene's own check. Thread-safe:
 * each call parses with a parser of its own.
 */
public final class QueryLanguage {
    private final IndexSpec spec;
    private final Analyzer analyzer;
    private final QueryLimits limits;
    private final MultiTermQuery.RewriteMethod cappedRewrite;

    public QueryLanguage(IndexSpec spec, Analyzer analyzer, QueryLimits limits) {
        this.spec = requireNonNull(spec, "spec is null");
        this.analyzer = requireNonNull(analyzer, "analyzer is null");
        this.limits = requireNonNull(limits, "limits is null");
        this.cappedRewrite = new CappedRewrite(limits.maxExpansions());
    }

    public QueryLimits limits() {
        return limits;
    }

    /**
     * The query of {@code text}.
     *
     * @throws QuerySyntaxException if the text does not parse, or a value does not fit its field
     * @throws QueryLimitException if the text is too long or nested too deep
     */
    public Query parse(String text) {
        if (text == null || text.isBlank()) {
            throw new QuerySyntaxException(String.valueOf(text), "the query is empty");
        }
        checkShape(text, "query");
        TypedParser parser = new TypedParser();
        try {
            return parser.parse(text);
        } catch (ParseException e) {
            if (e.getCause() instanceof IndexSearcher.TooManyClauses) {
                throw new QueryLimitException(QueryLimitException.Limit.CLAUSES, "the query '" + abbreviate(text) + "' has more than "
                        + IndexSearcher.getMaxClauseCount() + " clauses: search with fewer terms");
            }
            String problem = e.getMessage().lines().findFirst().orElse(e.getMessage());
            // The parser puts "Cannot parse '<text>': " before the reason; the exception says which text.
            String prefix = "Cannot parse '" + text + "': ";
            throw new QuerySyntaxException(text, problem.startsWith(prefix) ? problem.substring(prefix.length()) : problem);
        } catch (TooComplexToDeterminizeException e) {
            throw new QueryLimitException(QueryLimitException.Limit.REGEXP, "the regular expression in '" + text + "' is too complex: it"
                    + " would take more than " + e.getDeterminizeWorkLimit() + " units of work to compile (simplify it, or anchor it with a"
                    + " literal prefix)");
        } catch (IllegalArgumentException e) {
            throw new QuerySyntaxException(text, e.getMessage());
        } catch (StackOverflowError e) {
            throw new QueryLimitException(QueryLimitException.Limit.DEPTH, "the query '" + abbreviate(text) + "' is nested too deep to parse");
        }
    }

    /**
     * {@code query} restricted by {@code filters} (each in the same syntax) as non-scoring clauses:
     * every hit matches them all, and its score is the query's alone. Without filters, the query
     * itself, unwrapped, so an unfiltered search is the search it always was.
     */
    public Query filtered(Query query, List<Query> filters) {
        if (filters.isEmpty()) {
            return query;
        }
        BooleanQuery.Builder builder = new BooleanQuery.Builder().add(query, BooleanClause.Occur.MUST);
        for (Query filter : filters) {
            builder.add(filter, BooleanClause.Occur.FILTER);
        }
        return builder.build();
    }

    /** Length and nesting, checked before the parser (whose recursion a deep nesting would exhaust) sees the text. */
    private void checkShape(String text, String what) {
        if (text.length() > limits.maxChars()) {
            throw new QueryLimitException(QueryLimitException.Limit.LENGTH, "the " + what + " has " + text.length() + " characters; at most "
                    + limits.maxChars() + " are searched");
        }
        int depth = 0;
        int deepest = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                deepest = Math.max(deepest, ++depth);
            } else if (!quoted && c == ')') {
                depth--;
            }
        }
        if (deepest > limits.maxDepth()) {
            throw new QueryLimitException(QueryLimitException.Limit.DEPTH, "the " + what + " nests parentheses " + deepest + " deep; at most "
                    + limits.maxDepth() + " levels are searched");
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    /** The classic parser, each field searched as its type is indexed. */
    private final class TypedParser extends MultiFieldQueryParser {
        TypedParser() {
            super(spec.defaultSearchFields().toArray(String[]::new), QueryLanguage.this.analyzer);
            setMultiTermRewriteMethod(cappedRewrite);
        }

        private FieldType numeric(String field) {
            FieldSpec declared = field == null ? null : spec.fields().get(field);
            return declared != null && (declared.type() == FieldType.LONG || declared.type() == FieldType.DOUBLE) ? declared.type() : null;
        }

        @Override
        protected Query getFieldQuery(String field, String queryText, boolean quoted) throws ParseException {
            FieldType type = numeric(field);
            if (type == null) {
                return super.getFieldQuery(field, queryText, quoted);
            }
            return type == FieldType.LONG
                    ? LongField.newExactQuery(field, longValue(field, queryText))
                    : DoubleField.newExactQuery(field, doubleValue(field, queryText));
        }

        @Override
        protected Query getFieldQuery(String field, String queryText, int slop) throws ParseException {
            if (numeric(field) != null) {
                return getFieldQuery(field, queryText, true);
            }
            return super.getFieldQuery(field, queryText, slop);
        }

        @Override
        protected Query getRangeQuery(String field, String part1, String part2, boolean startInclusive, boolean endInclusive)
                throws ParseException {
            FieldType type = numeric(field);
            if (type == null) {
                return super.getRangeQuery(field, part1, part2, startInclusive, endInclusive);
            }
            if (type == FieldType.LONG) {
                long lower = open(part1) ? Long.MIN_VALUE : longValue(field, part1);
                long upper = open(part2) ? Long.MAX_VALUE : longValue(field, part2);
                if (!open(part1) && !startInclusive) {
                    if (lower == Long.MAX_VALUE) {
                        return new MatchNoDocsQuery("nothing is above " + lower);
                    }
                    lower++;
                }
                if (!open(part2) && !endInclusive) {
                    if (upper == Long.MIN_VALUE) {
                        return new MatchNoDocsQuery("nothing is below " + upper);
                    }
                    upper--;
                }
                return lower > upper ? new MatchNoDocsQuery("an empty range") : LongField.newRangeQuery(field, lower, upper);
            }
            double lower = open(part1) ? Double.NEGATIVE_INFINITY : doubleValue(field, part1);
            double upper = open(part2) ? Double.POSITIVE_INFINITY : doubleValue(field, part2);
            if (!open(part1) && !startInclusive) {
                lower = Math.nextUp(lower);
            }
            if (!open(part2) && !endInclusive) {
                upper = Math.nextDown(upper);
            }
            return lower > upper ? new MatchNoDocsQuery("an empty range") : DoubleField.newRangeQuery(field, lower, upper);
        }

        @Override
        protected Query getPrefixQuery(String field, String termStr) throws ParseException {
            refusePattern(field, termStr + "*", "a prefix");
            return super.getPrefixQuery(field, termStr);
        }

        @Override
        protected Query getWildcardQuery(String field, String termStr) throws ParseException {
            refusePattern(field, termStr, "a wildcard");
            return super.getWildcardQuery(field, termStr);
        }

        @Override
        protected Query getFuzzyQuery(String field, String termStr, float minSimilarity) throws ParseException {
            refusePattern(field, termStr + "~", "a fuzzy term");
            return super.getFuzzyQuery(field, termStr, minSimilarity);
        }

        @Override
        protected Query getRegexpQuery(String field, String termStr) throws ParseException {
            refusePattern(field, "/" + termStr + "/", "a regular expression");
            return super.getRegexpQuery(field, termStr);
        }

        private void refusePattern(String field, String pattern, String kind) throws ParseException {
            FieldType type = numeric(field);
            if (type != null) {
                throw new ParseException("field '" + field + "' is " + type.json() + ": " + kind + " (" + field + ":" + pattern
                        + ") cannot match numbers; give a value (" + field + ":1999) or a range (" + field + ":[1900 TO 1999])");
            }
        }

        private static boolean open(String part) {
            return part == null || part.equals("*");
        }

        private static long longValue(String field, String text) throws ParseException {
            try {
                return Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
                throw new ParseException("field '" + field + "' is long: '" + text + "' is not an integer");
            }
        }

        private static double doubleValue(String field, String text) throws ParseException {
            double value;
            try {
                value = Double.parseDouble(text.strip());
            } catch (NumberFormatException e) {
                throw new ParseException("field '" + field + "' is double: '" + text + "' is not a number");
            }
            if (!Double.isFinite(value)) {
                throw new ParseException("field '" + field + "' is double: '" + text + "' is not a finite number");
            }
            return value;
        }
    }

    /**
     * Lucene's default rewrite of prefix, wildcard and regular-expression queries (constant score,
     * blended), after counting the terms the pattern matches in each segment: more than {@code max}
     * in one segment is refused before any of them is read for matching documents. Counted per
     * segment, not over the index, because every path that serves a generation (one server, shard
     * servers) holds the same segments, so the same query is refused or answered in each.
     */
    private static final class CappedRewrite extends MultiTermQuery.RewriteMethod {
        private final int max;

        CappedRewrite(int max) {
            this.max = max;
        }

        @Override
        public Query rewrite(IndexSearcher searcher, MultiTermQuery query) throws IOException {
            for (var leaf : searcher.getIndexReader().leaves()) {
                Terms terms = leaf.reader().terms(query.getField());
                if (terms == null) {
                    continue;
                }
                TermsEnum each = query.getTermsEnum(terms);
                long matched = 0;
                while (each.next() != null) {
                    if (++matched > max) {
                        throw new QueryLimitException(QueryLimitException.Limit.EXPANSIONS, String.format(Locale.ROOT,
                                "%s matches more than %,d terms of field '%s' in a partition: narrow the pattern (a longer literal prefix)",
                                describe(query), max, query.getField()));
                    }
                }
            }
            return MultiTermQuery.CONSTANT_SCORE_BLENDED_REWRITE.rewrite(searcher, query);
        }

        private static String describe(MultiTermQuery query) {
            String text = query.toString(query.getField());
            return "'" + query.getField() + ":" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + "'";
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof CappedRewrite capped && capped.max == max;
        }

        @Override
        public int hashCode() {
            return Integer.hashCode(max);
        }
    }

    /** A term of the id field, as the parser would make it: for callers that look documents up by id. */
    public Term idTerm(String id) {
        return new Term(spec.idField(), id);
    }
}
