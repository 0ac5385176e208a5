package dev.ftindex.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.search.testing.TestIndexes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions are read at the same time, not one after another: behind a store where every request
 * takes a while, opening a generation of 8 partitions and a cold query over them wait for a few
 * rounds of requests, whatever the partition count. Counted, not timed: a round is a request that
 * started after another ended, and the rounds are the longest chain of such requests, so a slow
 * machine makes the test slower, never wrong.
 */
class ReadRoundsTest {
    private static final int PARTITIONS = 8;
    /** Long enough that requests sent together overlap on any machine. */
    private static final long LATENCY_MILLIS = 60;

    private static ObjectStore store;

    @TempDir
    static Path temp;

    @BeforeAll
    static void build() throws Exception {
        store = ObjectStores.local(temp.resolve("index"));
        Path input = TestDocuments.write(temp.resolve("docs.jsonl"), TestDocuments.lines(0, 16_000, 23));
        TestIndexes.build(store, TestDocuments.spec(), input, PARTITIONS, temp);
    }

    /** Every read waits {@link #LATENCY_MILLIS} before its first byte, and is recorded. */
    private static final class SlowStore extends DelegatingStore {
        private record Request(String key, long start, long end) {}

        private final List<Request> requests = new ArrayList<>();

        SlowStore(ObjectStore delegate) {
            super(delegate);
        }

        @Override
        public ObjectStream get(String key, ByteRange range) {
            long start = System.nanoTime();
            try {
                Thread.sleep(LATENCY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            ObjectStream stream = delegate.get(key, range);
            synchronized (requests) {
                requests.add(new Request(key, start, System.nanoTime()));
            }
            return stream;
        }

        /** The longest chain of requests since {@code from}, each started after the one before it ended. */
        int rounds(int from) {
            List<Request> since;
            synchronized (requests) {
                since = new ArrayList<>(requests.subList(from, requests.size()));
            }
            since.sort(java.util.Comparator.comparingLong(Request::start));
            int[] chain = new int[since.size()];
            int longest = 0;
            for (int i = 0; i < since.size(); i++) {
                chain[i] = 1;
                for (int j = 0; j < i; j++) {
                    if (since.get(j).end() <= since.get(i).start()) {
                        chain[i] = Math.max(chain[i], chain[j] + 1);
                    }
                }
                longest = Math.max(longest, chain[i]);
            }
            return longest;
        }

        int count() {
            synchronized (requests) {
                return requests.size();
            }
        }
    }

    @Test
    void openingAndAColdQueryWaitForAFewRoundsWhateverThePartitionCount() throws Exception {
        SlowStore slow = new SlowStore(store);
        IndexMetadata metadata = CommittedIndex.readMetadata(slow);
        int opening = slow.count();
        try (PageCache cache = new PageCache(temp.resolve("pages-" + System.nanoTime()), 64L << 20, PageCache.DEFAULT_PAGE_SIZE);
             CommittedIndex index = CommittedIndex.openLazy(slow, metadata, cache, 2)) {
            int openRounds = slow.rounds(opening);
            int before = slow.count();
            SearchResult result = index.search(SearchRequest.top("river garden", 10).withStoredFields(true));
            int queryRounds = slow.rounds(before);
            int requests = slow.count() - before;
            System.out.printf("rounds: opening %d (%d requests), a cold query %d (%d requests)%n", openRounds, before - opening, queryRounds,
                    requests);
            assertThat(result.hits()).isNotEmpty();
            assertThat(openRounds).as("opening %d partitions: their hotcaches fetched at once", PARTITIONS).isEqualTo(1);
            // Its terms, then their postings, then the page's stored fields (their block's address, then the block): 4 rounds
            // here, 13 when the partitions were searched one after another and the hits' fields read one by one.
            assertThat(queryRounds).as("a cold query over %d partitions (%d requests)", PARTITIONS, requests).isLessThanOrEqualTo(6);
        }
    }
}
