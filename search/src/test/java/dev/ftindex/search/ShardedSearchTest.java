package dev.ftindex.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.search.testing.TestIndexes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generation split over shards (each opening some of its partitions) scores exactly as one
 * searcher over every partition, once each shard is given the term statistics summed over all
 * shards: merged by score and then id, the shards' hits are the whole generation's, scores bit for
 * bit. Without the summed statistics they are not (each shard would score with its own), which
 * the test also shows, so it cannot pass by accident.
 */
class ShardedSearchTest {
    private static final List<String> QUERIES = List.of("index", "search lucene", "\"object storage\"", "commit OR merge", "title:partition",
            "retry -network", "cluster node shard", "data AND record", "latency throughput memory", "river OR garden OR winter",
            "+checksum stream", "the", "segm*", "\"distributed system\" OR protocol");

    @TempDir
    Path temp;

    @Test
    void shardsSearchedWithSummedStatisticsAndMergedGiveTheWholeGenerationsHits() throws Exception {
        ObjectStore store = InMemoryObjectStore.create();
        Path input = TestDocuments.write(temp.resolve("in/a.jsonl"), TestDocuments.lines(0, 3_000, 61));
        TestIndexes.build(store, TestDocuments.spec(), input, 5, temp);
        IndexMetadata metadata = CommittedIndex.readMetadata(store);
        List<TreeSet<Integer>> shards = List.of(new TreeSet<>(List.of(0, 1)), new TreeSet<>(List.of(2)), new TreeSet<>(List.of(3, 4)));

        try (PageCache cache = new PageCache(temp.resolve("pages"), 64L << 20, 8192);
             CommittedIndex whole = CommittedIndex.openLazy(store, metadata, cache, 2);
             CommittedIndex a = CommittedIndex.openLazyShard(store, metadata, cache, 1, shards.get(0));
             CommittedIndex b = CommittedIndex.openLazyShard(store, metadata, cache, 1, shards.get(1));
             CommittedIndex c = CommittedIndex.openLazyShard(store, metadata, cache, 1, shards.get(2))) {
            List<CommittedIndex> all = List.of(a, b, c);
            assertThat(b.partitions()).containsExactly(2);
            int differentWithLocalStatistics = 0;
            for (String query : QUERIES) {
                for (int from : new int[] {0, 7}) {
                    SearchRequest request = SearchRequest.top(query, 15).withFrom(from).withStoredFields(true);
                    SearchResult expected = whole.search(request);
                    Map<String, CommittedIndex.TermStatistic> summed = new TreeMap<>();
                    for (CommittedIndex shard : all) {
                        for (CommittedIndex.TermStatistic statistic : shard.termStatistics(query)) {
                            summed.merge(CommittedIndex.statisticKey(statistic.field(), statistic.term()), statistic,
                                    CommittedIndex.TermStatistic::plus);
                        }
                    }
                    List<SearchResult.Hit> merged = new ArrayList<>();
                    List<SearchResult.Hit> local = new ArrayList<>();
                    long total = 0;
                    boolean exact = true;
                    SearchRequest top = SearchRequest.top(query, from + 15).withStoredFields(true);
                    for (CommittedIndex shard : all) {
                        SearchResult result = shard.search(top, summed);
                        merged.addAll(result.hits());
                        total += result.count().totalHits();
                        exact &= result.count().totalHitsRelation() == SearchResult.Relation.EQ;
                        local.addAll(shard.search(top).hits());
                    }
                    assertThat(page(merged, from)).as("%s from %d", query, from).isEqualTo(expected.hits());
                    if (exact && expected.count().totalHitsRelation() == SearchResult.Relation.EQ) {
                        assertThat(total).as(query).isEqualTo(expected.count().totalHits());
                    } else {
                        // Counting stops early past a threshold: both are lower bounds of the same number.
                        assertThat(total).as(query).isPositive();
                    }
                    if (!page(local, from).equals(expected.hits())) {
                        differentWithLocalStatistics++;
                    }
                }
            }
            assertThat(differentWithLocalStatistics).as("queries whose hits differ when each shard scores alone").isPositive();
        }
    }

    @Test
    void threePhasesOverShardsGiveTheWholeGenerationsPageWithItsFieldsAndHighlights() throws Exception {
        ObjectStore store = InMemoryObjectStore.create();
        Path input = TestDocuments.write(temp.resolve("in/a.jsonl"), TestDocuments.lines(0, 2_000, 62));
        TestIndexes.build(store, TestDocuments.spec(), input, 4, temp);
        IndexMetadata metadata = CommittedIndex.readMetadata(store);
        try (PageCache cache = new PageCache(temp.resolve("pages"), 64L << 20, 8192);
             CommittedIndex whole = CommittedIndex.openLazy(store, metadata, cache, 1);
             CommittedIndex a = CommittedIndex.openLazyShard(store, metadata, cache, 1, new TreeSet<>(List.of(0, 3)));
             CommittedIndex b = CommittedIndex.openLazyShard(store, metadata, cache, 1, new TreeSet<>(List.of(1, 2)))) {
            List<CommittedIndex> shards = List.of(a, b);
            for (String query : QUERIES) {
                SearchRequest request = SearchRequest.top(query, 10).withFrom(3).withHighlight(true);
                SearchResult expected = whole.search(request);
                Map<String, CommittedIndex.TermStatistic> summed = ShardSearch.sum(shards.stream().map(s -> s.termStatistics(query)).toList());
                List<ShardSearch.Result> results = shards.stream().map(s -> s.searchShard(new ShardSearch.Request(SearchRequest.top(query, 13),
                        summed, List.of()))).toList();
                ShardSearch.Result page = ShardSearch.merge(results, 3, 10);
                List<SearchResult.Hit> hits = new ArrayList<>();
                for (ShardSearch.Hit hit : page.hits()) {
                    CommittedIndex owner = shards.stream().filter(s -> s.partitions().contains(hit.partition())).findFirst().orElseThrow();
                    ShardSearch.Stored stored = owner.fetch(query, true, List.of(hit.address())).getFirst();
                    hits.add(new SearchResult.Hit(hit.id(), hit.score(), hit.partition(), stored.fields(), stored.highlights()));
                }
                assertThat(hits).as(query).isEqualTo(expected.hits());
            }
            ShardSearch.Address elsewhere = new ShardSearch.Address(1, 0);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.fetch("index", false, List.of(elsewhere)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partition 1");
        }
    }

    /** The whole order (score, then id in byte order), {@code from} to {@code from + 15}. */
    private static List<SearchResult.Hit> page(List<SearchResult.Hit> hits, int from) {
        List<SearchResult.Hit> sorted = new ArrayList<>(hits);
        sorted.sort(Comparator.comparing((SearchResult.Hit hit) -> -hit.score())
                .thenComparing(hit -> new BytesRef(hit.id().getBytes(StandardCharsets.UTF_8))));
        return sorted.subList(Math.min(from, sorted.size()), Math.min(from + 15, sorted.size()));
    }
}
