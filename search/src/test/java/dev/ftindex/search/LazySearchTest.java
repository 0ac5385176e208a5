package dev.ftindex.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.testing.Damage;
import dev.ftindex.search.testing.TestIndexes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Searching where the index lies gives what searching a downloaded copy gives, and never a damaged byte. */
class LazySearchTest {
    @TempDir
    Path temp;

    Path root;
    ObjectStore store;
    List<String> queries;

    @BeforeEach
    void build() throws Exception {
        root = temp.resolve("index");
        store = ObjectStores.local(root);
        Path input = TestDocuments.write(temp.resolve("docs.jsonl"), TestDocuments.lines(0, 20_000, 11));
        TestIndexes.build(store, TestDocuments.spec(), input, 3, temp);
        queries = queries(200);
    }

    @Test
    void lazyResultsEqualFullResultsWithACacheOfFivePercent() throws Exception {
        IndexMetadata metadata = CommittedIndex.readMetadata(store);
        assertThat(CommittedIndex.readableInPlace(metadata)).isTrue();
        long cacheSize = metadata.totals().bytes() / 20;
        try (CommittedIndex full = CommittedIndex.open(store, temp.resolve("full"), 2, Progress.silent());
             PageCache cache = new PageCache(temp.resolve("pages"), cacheSize, 8192);
             CommittedIndex lazy = CommittedIndex.openLazy(store, cache, 2)) {
            for (String query : queries) {
                SearchResult expected = full.search(SearchRequest.top(query, 20).withStoredFields(true));
                SearchResult actual = lazy.search(SearchRequest.top(query, 20).withStoredFields(true));
                assertThat(actual.hits()).as(query).isEqualTo(expected.hits());
                assertThat(actual.count()).as(query).isEqualTo(expected.count());
            }
            PageCache.Stats stats = cache.stats();
            assertThat(stats.evictions()).as("a cache of 5%% of the index evicts during 200 queries: %s", stats).isPositive();
            assertThat(stats.cachedBytes()).isLessThanOrEqualTo(cacheSize);
            try (var files = Files.list(cache.directory())) {
                assertThat(files.mapToLong(path -> path.toFile().length()).sum()).as("bytes on disk").isLessThanOrEqualTo(cacheSize);
            }
        }
    }

    @Test
    void aFlippedByteFailsTheQueriesThatReadItNamingThePageAndNoOther() throws Exception {
        IndexMetadata metadata = CommittedIndex.readMetadata(store);
        List<SearchResult> expected = new ArrayList<>();
        try (CommittedIndex full = CommittedIndex.open(store, temp.resolve("full"), 2, Progress.silent())) {
            for (String query : queries) {
                expected.add(full.search(SearchRequest.top(query, 20).withStoredFields(true)));
            }
        }
        Damage.FlippedByte flipped = Damage.flipUnpinnedMiddleByte(store, metadata, 1);
        long at = flipped.offset();

        int failed = 0;
        int answered = 0;
        try (PageCache cache = new PageCache(temp.resolve("pages"), 64L << 20, 8192);
             CommittedIndex lazy = CommittedIndex.openLazy(store, cache, 2)) {
            for (int q = 0; q < queries.size(); q++) {
                try {
                    SearchResult result = lazy.search(SearchRequest.top(queries.get(q), 20).withStoredFields(true));
                    assertThat(result.hits()).as(queries.get(q)).isEqualTo(expected.get(q).hits());
                    answered++;
                } catch (CorruptIndexException e) {
                    assertThat(e.getMessage()).contains("generation " + metadata.indexId(), flipped.key(),
                            "page " + at / 8192 + " ");
                    failed++;
                }
            }
        }
        assertThat(failed).as("queries that read the damaged page").isPositive();
        assertThat(answered).as("queries that did not").isPositive();
    }

    @Test
    void aNewProcessUsesTheCacheDirectoryItFindsAndFetchesTornPagesAgain() throws Exception {
        Path directory = temp.resolve("pages");
        List<String> some = queries.subList(0, 20);
        List<SearchResult> first = new ArrayList<>();
        long fetched;
        try (PageCache cache = new PageCache(directory, 64L << 20, 8192);
             CommittedIndex lazy = CommittedIndex.openLazy(store, cache, 2)) {
            for (String query : some) {
                first.add(lazy.search(SearchRequest.top(query, 10).withStoredFields(true)));
            }
            fetched = cache.stats().misses();
        }
        List<Path> pages;
        try (var files = Files.list(directory)) {
            pages = files.filter(path -> path.getFileName().toString().endsWith(".page")).toList();
        }
        assertThat(pages).isNotEmpty();
        // Half the pages torn (cut short, as a crash between write and rename on a file system without atomic renames would leave them).
        for (int i = 0; i < pages.size(); i += 2) {
            byte[] bytes = Files.readAllBytes(pages.get(i));
            Files.write(pages.get(i), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        }
        try (PageCache cache = new PageCache(directory, 64L << 20, 8192);
             CommittedIndex lazy = CommittedIndex.openLazy(store, cache, 2)) {
            for (int q = 0; q < some.size(); q++) {
                assertThat(lazy.search(SearchRequest.top(some.get(q), 10).withStoredFields(true)).hits()).as(some.get(q))
                        .isEqualTo(first.get(q).hits());
            }
            PageCache.Stats stats = cache.stats();
            assertThat(stats.corruptCachePages()).as("torn pages found").isPositive();
            assertThat(stats.hits()).as("pages used from the earlier run").isPositive();
            assertThat(stats.misses()).as("only torn (or never read) pages fetched again").isLessThan(fetched);
        }
    }

    @Test
    void theCacheStaysWithinItsSizeThroughTenThousandVariedQueries() throws Exception {
        // A quarter of the index: the queries' pages do not fit, so it evicts all along, while most reads hit.
        long cacheSize = CommittedIndex.readMetadata(store).totals().bytes() / 4;
        List<String> many = queries(10_000);
        Random random = new Random(5);
        long largest = 0;
        try (PageCache cache = new PageCache(temp.resolve("pages"), cacheSize, 8192);
             CommittedIndex lazy = CommittedIndex.openLazy(store, cache, 2)) {
            for (int q = 0; q < many.size(); q++) {
                // Pages of hits too (stored fields), and deeper result pages now and then: a mix of what queries read.
                lazy.search(SearchRequest.top(many.get(q), 5 + random.nextInt(20)).withStoredFields(random.nextInt(8) == 0));
                if (q % 250 == 249) {
                    long onDisk;
                    try (var files = Files.list(cache.directory())) {
                        onDisk = files.mapToLong(path -> path.toFile().length()).sum();
                    }
                    largest = Math.max(largest, onDisk);
                    assertThat(onDisk).as("bytes on disk after %d queries", q + 1).isLessThanOrEqualTo(cacheSize);
                    assertThat(cache.stats().cachedBytes()).as("after %d queries", q + 1).isLessThanOrEqualTo(cacheSize);
                }
            }
            assertThat(cache.stats().evictions()).as("the cache was full and evicted").isPositive();
        }
        assertThat(largest).as("the cache filled to near its size").isGreaterThan(cacheSize / 2);
    }

    @Test
    void aCacheDirectoryThatCannotBeWrittenKeepsPagesInMemoryAndEveryQueryIsAnswered() throws Exception {
        Path notADirectory = Files.writeString(temp.resolve("a-file"), "not a directory");
        List<String> some = queries.subList(0, 50);
        try (CommittedIndex full = CommittedIndex.open(store, temp.resolve("full"), 2, Progress.silent());
             PageCache cache = new PageCache(notADirectory.resolve("pages"), 8L << 20, 8192);
             CommittedIndex lazy = CommittedIndex.openLazy(store, cache, 2)) {
            for (String query : some) {
                assertThat(lazy.search(SearchRequest.top(query, 20).withStoredFields(true)).hits()).as(query)
                        .isEqualTo(full.search(SearchRequest.top(query, 20).withStoredFields(true)).hits());
            }
            PageCache.Stats stats = cache.stats();
            assertThat(stats.diskProblem()).as("the warning /health shows").contains(notADirectory.resolve("pages").toString());
            assertThat(stats.misses()).isPositive();
            assertThat(stats.hits()).as("pages kept in memory are used again").isPositive();
            assertThat(stats.cachedBytes()).isLessThanOrEqualTo(8L << 20);
        }
    }

    private static List<String> queries(int count) {
        String[] words = ("index search partition lucene storage object finalizer worker commit segment merge query distributed system"
                + " file data record document field term score shard bucket cluster node retry crash network protocol latency the river")
                .split(" ");
        Random random = new Random(22);
        List<String> queries = new ArrayList<>();
        for (int q = 0; q < count; q++) {
            StringBuilder query = new StringBuilder(words[random.nextInt(words.length)]);
            for (int w = random.nextInt(3); w > 0; w--) {
                query.append(random.nextInt(4) == 0 ? " AND " : " ").append(words[random.nextInt(words.length)]);
            }
            queries.add(random.nextInt(10) == 0 ? "\"" + query + "\"" : query.toString());
        }
        return queries;
    }
}
