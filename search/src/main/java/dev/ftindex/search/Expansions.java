package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.lucene.index.IndexReaderContext;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TermStates;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostAttribute;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopTermsRewrite;
import org.apache.lucene.util.BytesRef;

/**
 * Fuzzy queries expanded once for a whole generation, when its partitions are searched on several
 * shard servers.
 *
 * <p>One searcher over every partition rewrites a fuzzy term the way Lucene's
 * {@code TopTermsBlendedFreqScoringRewrite} does: the {@code maxExpansions} terms of the index
 * nearest to it (by the boost its edit distance gives, ties by term), each scored with blended
 * statistics (the largest document frequency among them, the sum of their total term
 * frequencies). A shard that rewrote over its own partitions would pick other terms and other
 * statistics, so a router asks each shard for its own best {@link Candidates} (the global best are
 * among every shard's best: a term's rank depends on its boost and bytes alone), {@linkplain
 * #decide decides} the expansion as one searcher would, with the statistics summed, and sends it
 * with the query; each shard puts the expansion in the fuzzy query's place ({@link #substitute}),
 * scored with exactly those statistics. Prefix, wildcard, regular-expression and range queries
 * need none of this: they score every match alike, whatever the partitions.
 */
public final class Expansions {
    private Expansions() {}

    /** A fuzzy query of a query, by what decides its expansion. */
    public record Key(String field, String text, int maxEdits, int prefixLength, boolean transpositions, int maxExpansions) {
        public Key {
            requireNonNull(field, "field is null");
            requireNonNull(text, "text is null");
        }

        static Key of(FuzzyQuery fuzzy) {
            int size = fuzzy.getRewriteMethod() instanceof TopTermsRewrite<?> top ? top.getSize() : Integer.MAX_VALUE;
            return new Key(fuzzy.getField(), fuzzy.getTerm().text(), fuzzy.getMaxEdits(), fuzzy.getPrefixLength(), fuzzy.getTranspositions(),
                    Math.min(size, IndexSearcher.getMaxClauseCount()));
        }
    }

    /** A term a fuzzy query matches: its boost, and its frequencies over the partitions that were asked. */
    public record Candidate(String term, float boost, long docFreq, long totalTermFreq) {
        public Candidate {
            requireNonNull(term, "term is null");
        }
    }

    /** One shard's best terms for one fuzzy query of the query. */
    public record Candidates(Key key, List<Candidate> terms) {
        public Candidates {
            requireNonNull(key, "key is null");
            terms = List.copyOf(terms);
        }
    }

    /**
     * A fuzzy query's expansion for the whole generation: its terms with their boosts, and the
     * blended statistics every one of them is scored with.
     */
    public record Expansion(Key key, List<Candidate> terms, long docFreq, long totalTermFreq) {
        public Expansion {
            requireNonNull(key, "key is null");
            terms = List.copyOf(terms);
        }
    }

    /** The order of a top-terms rewrite: boost descending, then term by its bytes. */
    private static final Comparator<Candidate> RANK = Comparator.comparingDouble((Candidate candidate) -> -candidate.boost())
            .thenComparing(candidate -> new BytesRef(candidate.term()));

    /** The fuzzy queries of {@code query}, each once. */
    public static List<FuzzyQuery> fuzzies(Query query) {
        Map<Key, FuzzyQuery> found = new LinkedHashMap<>();
        query.visit(new QueryVisitor() {
            @Override
            public QueryVisitor getSubVisitor(BooleanClause.Occur occur, Query parent) {
                return occur == BooleanClause.Occur.MUST_NOT ? QueryVisitor.EMPTY_VISITOR : this;
            }

            @Override
            public void consumeTermsMatching(Query leaf, String field, java.util.function.Supplier<org.apache.lucene.util.automaton.ByteRunAutomaton> automaton) {
                if (leaf instanceof FuzzyQuery fuzzy) {
                    found.putIfAbsent(Key.of(fuzzy), fuzzy);
                }
            }
        });
        return List.copyOf(found.values());
    }

    /** This searcher's best terms for {@code fuzzy}: at most its expansion count, ranked as a top-terms rewrite ranks them. */
    public static Candidates candidates(FuzzyQuery fuzzy, IndexSearcher searcher) throws IOException {
        Key key = Key.of(fuzzy);
        Map<BytesRef, Candidate> terms = new HashMap<>();
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            Terms field = leaf.reader().terms(key.field());
            if (field == null) {
                continue;
            }
            TermsEnum each = fuzzy.getTermsEnum(field);
            BoostAttribute boost = each.attributes().addAttribute(BoostAttribute.class);
            for (BytesRef term = each.next(); term != null; term = each.next()) {
                Candidate seen = new Candidate(term.utf8ToString(), boost.getBoost(), each.docFreq(), each.totalTermFreq());
                terms.merge(BytesRef.deepCopyOf(term), seen, (a, b) -> new Candidate(a.term(), a.boost(), a.docFreq() + b.docFreq(),
                        a.totalTermFreq() + b.totalTermFreq()));
            }
        }
        return new Candidates(key, terms.values().stream().sorted(RANK).limit(key.maxExpansions()).toList());
    }

    /**
     * The expansions of one query, decided from every shard's candidates as one searcher over all of
     * them would: the terms summed over the shards, the best {@code maxExpansions} kept, and their
     * statistics blended (the largest document frequency, the sum of the total term frequencies).
     */
    public static List<Expansion> decide(List<List<Candidates>> perShard) {
        Map<Key, Map<String, Candidate>> union = new LinkedHashMap<>();
        for (List<Candidates> shard : perShard) {
            for (Candidates candidates : shard) {
                Map<String, Candidate> terms = union.computeIfAbsent(candidates.key(), key -> new TreeMap<>());
                for (Candidate candidate : candidates.terms()) {
                    terms.merge(candidate.term(), candidate, (a, b) -> new Candidate(a.term(), a.boost(), a.docFreq() + b.docFreq(),
                            a.totalTermFreq() + b.totalTermFreq()));
                }
            }
        }
        List<Expansion> expansions = new ArrayList<>();
        union.forEach((key, terms) -> {
            List<Candidate> best = terms.values().stream().sorted(RANK).limit(key.maxExpansions()).toList();
            // BlendedTermQuery: an int document frequency, the largest; the total term frequencies summed.
            long docFreq = best.stream().mapToLong(Candidate::docFreq).max().orElse(0);
            long totalTermFreq = best.stream().mapToLong(Candidate::totalTermFreq).sum();
            expansions.add(new Expansion(key, best, docFreq, totalTermFreq));
        });
        return expansions;
    }

    /**
     * {@code query} with each fuzzy query that {@code expansions} decides replaced by its expansion
     * over {@code searcher}'s partitions: what {@code TopTermsBlendedFreqScoringRewrite} and
     * {@code BlendedTermQuery} make of it on one searcher over the whole generation (the terms in
     * byte order, each a term query boosted unless its boost is 1, as should clauses), each term's
     * states carrying the blended statistics. They are plain term queries, so Lucene's rewrite
     * treats them as it treats its own (a term that the query also asks for directly is merged
     * with it, its boosts summed); the searcher must leave their statistics as they are
     * ({@link #blended}).
     */
    public static Query substitute(Query query, List<Expansion> expansions, IndexSearcher searcher) throws IOException {
        if (expansions.isEmpty()) {
            return query;
        }
        Map<Key, Query> replacements = new HashMap<>();
        for (Expansion expansion : expansions) {
            replacements.put(expansion.key(), expanded(expansion, searcher));
        }
        return replace(query, replacements);
    }

    /**
     * The statistics an expansion's term queries carry, by {@link CommittedIndex#statisticKey}: a
     * searcher that puts the generation's statistics in place of a shard's must keep these. They
     * cannot be mistaken for a shard's own statistics of a term: an expansion of several terms sums
     * their total frequencies, above any one term's; an expansion of one term carries exactly the
     * term's statistics over the generation, which is what the searcher would put in their place.
     */
    public static Map<String, java.util.Set<List<Long>>> blended(List<Expansion> expansions) {
        Map<String, java.util.Set<List<Long>>> blended = new HashMap<>();
        for (Expansion expansion : expansions) {
            for (Candidate candidate : expansion.terms()) {
                blended.computeIfAbsent(CommittedIndex.statisticKey(expansion.key().field(), candidate.term()), key -> new java.util.HashSet<>())
                        .add(List.of(expansion.docFreq(), expansion.totalTermFreq()));
            }
        }
        return blended;
    }

    private static Query replace(Query query, Map<Key, Query> replacements) {
        return switch (query) {
            case FuzzyQuery fuzzy -> replacements.getOrDefault(Key.of(fuzzy), fuzzy);
            case BoostQuery boosted -> {
                Query inner = replace(boosted.getQuery(), replacements);
                yield inner == boosted.getQuery() ? boosted : new BoostQuery(inner, boosted.getBoost());
            }
            case BooleanQuery bool -> {
                BooleanQuery.Builder builder = new BooleanQuery.Builder().setMinimumNumberShouldMatch(bool.getMinimumNumberShouldMatch());
                boolean changed = false;
                for (BooleanClause clause : bool.clauses()) {
                    Query inner = replace(clause.query(), replacements);
                    changed |= inner != clause.query();
                    builder.add(inner, clause.occur());
                }
                yield changed ? builder.build() : bool;
            }
            default -> query;
        };
    }

    private static Query expanded(Expansion expansion, IndexSearcher searcher) throws IOException {
        IndexReaderContext top = searcher.getTopReaderContext();
        List<Candidate> terms = new ArrayList<>(expansion.terms());
        terms.sort(Comparator.comparing(candidate -> new BytesRef(candidate.term().getBytes(StandardCharsets.UTF_8))));
        BooleanQuery.Builder builder = new BooleanQuery.Builder();
        for (Candidate candidate : terms) {
            Term term = new Term(expansion.key().field(), candidate.term());
            TermStates states = new TermStates(top);
            for (LeafReaderContext leaf : top.leaves()) {
                Terms field = leaf.reader().terms(term.field());
                if (field == null) {
                    continue;
                }
                TermsEnum each = field.iterator();
                if (each.seekExact(term.bytes())) {
                    states.register(each.termState(), leaf.ord);
                }
            }
            states.accumulateStatistics((int) expansion.docFreq(), expansion.totalTermFreq());
            Query clause = new TermQuery(term, states);
            float boost = Math.max(0.0f, candidate.boost());
            builder.add(boost != 1f ? new BoostQuery(clause, boost) : clause, BooleanClause.Occur.SHOULD);
        }
        return builder.build();
    }

}
