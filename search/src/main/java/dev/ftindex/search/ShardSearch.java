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
 * phases: every shard gives the statistics of the query's terms over its partitions
 * ({@link CommittedIndex#termStatistics}); every shard, given the statistics summed, gives its best
 * hits scored as the whole generation scores them ({@link CommittedIndex#searchShard}); the hits are
 * {@link #merge}d in the one order of every result (score, then id in byte order), and the stored
 * fields of the page are read from the shards that own its hits ({@link CommittedIndex#fetch}). The
 * page is then the page of one searcher over every partition, scores bit for bit.
 */
public final class ShardSearch {
    private ShardSearch() {}

    /**
     * The order of every result: score descending, then id by its UTF-8 bytes, as Lucene's
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

    /** One hit of a shard, without its stored fields. */
    public record Hit(String id, float score, int partition, int doc) {
        public Hit {
            requireNonNull(id, "id is null");
        }

        public Address address() {
            return new Address(partition, doc);
        }
    }

    /** A shard's best hits (by {@link #ORDER}) and how many of its documents match. */
    public record Result(List<Hit> hits, SearchResult.Count count) {
        public Result {
            hits = List.copyOf(hits);
            requireNonNull(count, "count is null");
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
     * {@link #ORDER}, and the matches summed (exact only when every shard counted exactly).
     */
    public static Result merge(List<Result> results, int from, int k) {
        List<Hit> all = new ArrayList<>();
        long total = 0;
        boolean exact = true;
        for (Result result : results) {
            all.addAll(result.hits());
            total += result.count().totalHits();
            exact &= result.count().totalHitsRelation() == SearchResult.Relation.EQ;
        }
        all.sort(ORDER);
        List<Hit> page = all.subList(Math.min(from, all.size()), Math.min(from + k, all.size()));
        return new Result(page, new SearchResult.Count(total, exact ? SearchResult.Relation.EQ : SearchResult.Relation.GTE));
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
