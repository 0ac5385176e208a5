package dev.ftindex.finalizer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IdList;
import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The merge of sorted id lists: exact counts, bounded chunks, and every list's first read at once. */
class IdCheckTest {
    private final ObjectStore store = InMemoryObjectStore.create();
    private final ExecutorService pool = dev.ftindex.objectstore.Tasks.pool(8, "id-check-test");

    @AfterEach
    void close() {
        pool.shutdownNow();
        store.close();
    }

    /** Stores the list of ids {@code first..first+count-1} (as "id-%08d", so byte order is numeric order) and returns its source. */
    private IdCheck.Source list(String name, int first, int count) throws IOException {
        try (ByteBuffersDirectory directory = new ByteBuffersDirectory()) {
            AtomicInteger next = new AtomicInteger(first);
            IdList.write(directory, "id", count, new java.util.Iterator<>() {
                @Override
                public boolean hasNext() {
                    return next.get() < first + count;
                }

                @Override
                public BytesRef next() {
                    return new BytesRef(String.format("id-%08d", next.getAndIncrement()).getBytes(UTF_8));
                }
            });
            long checksum;
            byte[] bytes;
            try (IndexInput in = directory.openInput(IdList.NAME, IOContext.READONCE)) {
                bytes = new byte[(int) in.length()];
                in.readBytes(bytes, 0, bytes.length);
            }
            try (IndexInput in = directory.openInput(IdList.NAME, IOContext.READONCE)) {
                checksum = CodecUtil.checksumEntireFile(in);
            }
            store.put(name, Payload.of(bytes));
            return new IdCheck.Source(name, store, name, new FileEntry(IdList.NAME, bytes.length, checksum), true, List.of(name + ".jsonl"));
        }
    }

    @Test
    void theChunksOfAllListsStayWithinTheBudget() {
        assertThat(IdCheck.chunkSize(1)).isEqualTo(IdCheck.MAX_CHUNK);
        assertThat(IdCheck.chunkSize(1_000)).isEqualTo((int) (IdCheck.BUDGET / 2_000));
        assertThat(2L * 1_000 * IdCheck.chunkSize(1_000)).isLessThanOrEqualTo(IdCheck.BUDGET);
        assertThat(IdCheck.chunkSize(100_000)).isEqualTo(IdCheck.MIN_CHUNK);
    }

    @Test
    void listsLongerThanAChunkAreMergedExactlyInRangedReads() throws IOException {
        // a: 0..19,999; b: 15,000..34,999; c: 30,000..49,999 and the ids 15,000..19,999 and 30,000..34,999 in two lists each.
        List<IdCheck.Source> sources = List.of(list("a", 0, 20_000), list("b", 15_000, 20_000), list("c", 30_000, 20_000));
        int chunk = 16 << 10;

        IdCheck.Found found = IdCheck.run(sources, 3, pool, chunk);

        assertThat(found.ids()).isEqualTo(10_000);
        assertThat(found.listed()).isEqualTo(60_000);
        assertThat(found.examples()).extracting(IdCheck.Duplicate::id).containsExactly("id-00015000", "id-00015001", "id-00015002");
        assertThat(found.examples().getFirst().places()).containsExactly("a (input a.jsonl)", "b (input b.jsonl)");
        long expectedRequests = sources.stream().mapToLong(source -> (source.file().size() + chunk - 1) / chunk).sum();
        assertThat(expectedRequests).as("each list spans several chunks").isGreaterThan(sources.size());
        assertThat(found.requests()).isEqualTo(expectedRequests);
        assertThat(found.bytes()).isEqualTo(sources.stream().mapToLong(source -> source.file().size()).sum());
        assertThat(found.describe(false)).startsWith("10000 ids occur in more than one partition: \"id-00015000\" in a (input a.jsonl)"
                + " and b (input b.jsonl)").endsWith("and 9997 more");
    }

    @Test
    void theFirstChunkOfEveryListIsAskedForBeforeAnyIsWaitedFor() throws IOException {
        List<IdCheck.Source> written = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            written.add(list("list-" + i, i * 1_000, 1_000));
        }
        // Each read waits until all eight are in flight: lists read one after another would never get there.
        CountDownLatch allInFlight = new CountDownLatch(8);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ObjectStore gated = new DelegatingStore(store) {
            @Override
            public ObjectStream get(String key, ByteRange range) {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                allInFlight.countDown();
                try {
                    allInFlight.await(20, TimeUnit.SECONDS);
                    return super.get(key, range);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    inFlight.decrementAndGet();
                }
            }
        };
        List<IdCheck.Source> sources = written.stream()
                .map(source -> new IdCheck.Source(source.place(), gated, source.key(), source.file(), true, source.inputFiles())).toList();

        IdCheck.Found found = IdCheck.run(sources, 10, pool);

        assertThat(most.get()).as("reads in flight at once").isEqualTo(8);
        assertThat(found.ids()).isZero();
        assertThat(found.listed()).isEqualTo(8_000);
    }
}
