package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.lucene.util.BytesRef;

/**
 * A search spread over shards of one generation, each holding some of its partitions, in three
 * phases: every shard gives the statistics of the query's terms over its partitions and its best
 * expansions of the query's fuzzy terms ({@link CommittedIndex#statistics}); every shard, given
 * the statistics summed and the expansions decided for the whole generation ({@link Expansions}),
 * gives its best hits in the request's order, scored as the whole generation scores them, and the
 * full counts of its facets ({@link CommittedIndex#searchShard}); the hits are {@link #merge}d in
 * that order (the same comparisons Lucene makes, ending with the id), the facet counts summed, and
 * the stored fields of the page are read from the shards that own its hits
 * ({@link CommittedIndex#fetch}). The page is then the page of one searcher over every partition,
 * scores bit for bit, and the facets its facets.
 */
public final class ShardSearch {
    private ShardSearch() {}

    /**
     * The order of relevance results: score descending, then id by its UTF-8 bytes, as Lucene's
     * {@code SortField.Type.STRING} compares them (not Java's UTF-16 order, which differs above U+FFFF).
     */
    public static final Comparator<Hit> ORDER = Comparator.comparingDouble((Hit hit) -> -hit.score())
            .thenComparing(hit -> new BytesRef(hit.id().getBytes(StandardCharsets.UTF_8)));

    /** Where a document lies in a generation: its partition and its number within that partition. */
    public record Address(int partition, int doc) {
        public Address {
            if (partition < 0 || doc < 0) {
                throw new IllegalArgumentException("a document address is two non-negative numbers, not " + partition + "/" + doc);
            }
        }
    }

    /**
     * A shard's part of the first phase: its term statistics, and its best expansions of each fuzzy term.
     */
    public record Statistics(List<CommittedIndex.TermStatistic> terms, List<Expansions.Candidates> candidates) {
        public Statistics {
            terms = terms == null ? List.of() : List.copyOf(terms);
            candidates = candidates == null ? List.of() : List.copyOf(candidates);
        }
    }

    /**
     * What a shard is asked to search: the request (its {@code k} is the depth of the hits the
     * router needs, its {@code from} 0), the generation's statistics of the query's terms, and the
     * expansions of its fuzzy terms.
     */
    public record Request(SearchRequest search, Map<String, CommittedIndex.TermStatistic> statistics, List<Expansions.Expansion> expansions) {
        public Request {
            requireNonNull(search, "search is null");
            statistics = statistics == null ? Map.of() : Map.copyOf(statistics);
            expansions = expansions == null ? List.of() : List.copyOf(expansions);
        }
    }

    /** One hit of a shard, without its stored fields; {@code sort}: its sort values ({@link SortOrder#values}). */
    public record Hit(String id, float score, int partition, int doc, List<Object> sort) {
        public Hit {
            requireNonNull(id, "id is null");
            sort = sort == null ? List.of() : java.util.Collections.unmodifiableList(new ArrayList<>(sort));
        }

        public Hit(String id, float score, int partition, int doc) {
            this(id, score, partition, doc, List.of());
        }

        public Address address() {
            return new Address(partition, doc);
        }
    }

    /**
     * A shard's best hits (in the request's order), how many of its documents match, the full
     * counts of the facets asked for, and whether it reached its deadline first (partial results
     * asked for).
     */
    public record Result(List<Hit> hits, SearchResult.Count count, List<FacetResult> facets, boolean timedOut) {
        public Result {
            hits = List.copyOf(hits);
            requireNonNull(count, "count is null");
            facets = facets == null ? List.of() : List.copyOf(facets);
        }

        public Result(List<Hit> hits, SearchResult.Count count) {
            this(hits, count, List.of(), false);
        }
    }

    /** A document's stored fields, and its snippets when they were asked for. */
    public record Stored(Map<String, Object> fields, Map<String, String> highlights) {
        public Stored {
            fields = fields == null ? Map.of() : fields;
            highlights = highlights == null ? Map.of() : highlights;
        }
    }

    /**
     * The shards' results as one: hits {@code from} to {@code from + k} of their union in
     * {@code order} (by their sort values), the matches summed (exact only when every shard counted
     * exactly), the facets' full counts summed (cut to their top values by {@link #facets}), and
     * timed out if any shard was.
     */
    public static Result merge(List<Result> results, SortOrder order, List<FacetRequest> facets, int from, int k) {
        List<Hit> all = new ArrayList<>();
        long total = 0;
        boolean exact = true;
        boolean timedOut = false;
        List<List<FacetResult>> counts = new ArrayList<>();
        for (Result result : results) {
            all.addAll(result.hits());
            total += result.count().totalHits();
            exact &= result.count().totalHitsRelation() == SearchResult.Relation.EQ;
            timedOut |= result.timedOut();
            counts.add(result.facets());
        }
        Comparator<List<Object>> byValues = order.comparator();
        all.sort((a, b) -> byValues.compare(a.sort(), b.sort()));
        List<Hit> page = all.subList(Math.min(from, all.size()), Math.min(from + k, all.size()));
        return new Result(page, new SearchResult.Count(total, exact ? SearchResult.Relation.EQ : SearchResult.Relation.GTE),
                facets.isEmpty() ? List.of() : FacetCounts.merge(facets, counts), timedOut);
    }

    /** Relevance hits of several shards as one page (no facets): {@link #merge} in the default order. */
    public static Result merge(List<Result> results, int from, int k) {
        return merge(results, SortOrder.RELEVANCE, List.of(), from, k);
    }

    /** Merged full counts as a search returns them: the top values of each values facet. */
    public static List<FacetResult> facets(List<FacetRequest> facets, List<FacetResult> merged) {
        return FacetCounts.finish(facets, merged);
    }

    /** Statistics of the same terms from every shard, summed: keyed by {@link CommittedIndex#statisticKey}. */
    public static Map<String, CommittedIndex.TermStatistic> sum(List<List<CommittedIndex.TermStatistic>> perShard) {
        Map<String, CommittedIndex.TermStatistic> summed = new java.util.TreeMap<>();
        for (List<CommittedIndex.TermStatistic> statistics : perShard) {
            for (CommittedIndex.TermStatistic statistic : statistics) {
                summed.merge(CommittedIndex.statisticKey(statistic.field(), statistic.term()), statistic, CommittedIndex.TermStatistic::plus);
            }
        }
        return summed;
    }
}
