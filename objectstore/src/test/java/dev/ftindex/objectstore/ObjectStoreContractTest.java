package dev.ftindex.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link ObjectStore} contract, run against every implementation. A subclass supplies an
 * empty store; stores that split large copies into parts must be configured with a multipart
 * copy threshold of 5 MiB and confirm it in {@link #assertCopiedInParts}.
 */
public abstract class ObjectStoreContractTest {
    protected static final int MIB = 1024 * 1024;

    protected ObjectStore store;

    @TempDir
    protected Path temp;

    /** A new, empty store. */
    protected abstract ObjectStore createStore();

    /** Checks, where the store has parts, that {@code requests} show a copy of 3 parts (12 MiB at 5 MiB). */
    protected void assertCopiedInParts(RequestMetrics.Snapshot requests) {}

    /** Checks, where the store pages its listings, that {@code requests} needed more than one page. */
    protected void assertListedInPages(RequestMetrics.Snapshot requests) {}

    @BeforeEach
    void openStore() {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void putThenGetReturnsTheBytes() throws IOException {
        ObjectInfo written = store.put("a/b/c.bin", Payload.of(bytes("hello")));

        assertThat(written.key()).isEqualTo("a/b/c.bin");
        assertThat(written.size()).isEqualTo(5);
        assertThat(read("a/b/c.bin")).isEqualTo(bytes("hello"));
        ObjectInfo head = store.head("a/b/c.bin");
        assertThat(head.size()).isEqualTo(5);
        assertThat(head.key()).isEqualTo("a/b/c.bin");
    }

    @Test
    void putFromFileStreamsTheFile() throws IOException {
        byte[] data = random(3 * MIB + 17, 1);
        Path file = temp.resolve("payload.bin");
        Files.write(file, data);

        store.put("big/file.bin", Payload.of(file));

        assertThat(store.head("big/file.bin").size()).isEqualTo(data.length);
        assertThat(read("big/file.bin")).isEqualTo(data);
    }

    @Test
    void putReplacesAndChangesTheEtag() throws IOException {
        ObjectInfo first = store.put("k", Payload.of(bytes("one")));
        String firstEtag = store.head("k").etag();
        store.put("k", Payload.of(bytes("second")));

        assertThat(read("k")).isEqualTo(bytes("second"));
        assertThat(store.head("k").etag()).isNotEqualTo(firstEtag);
        assertThat(first.size()).isEqualTo(3);
    }

    @Test
    void emptyObjectsWork() throws IOException {
        store.put("empty", Payload.of(new byte[0]));

        assertThat(store.head("empty").size()).isZero();
        assertThat(read("empty")).isEmpty();
        try (ObjectStream tail = store.get("empty", ByteRange.suffix(16))) {
            assertThat(tail.readAllRemaining()).isEmpty();
            assertThat(tail.object().size()).isZero();
        }
    }

    @Test
    void missingKeysAreNotFoundAndNamed() {
        assertThatThrownBy(() -> store.head("missing/key"))
                .isInstanceOf(ObjectNotFoundException.class)
                .hasMessageContaining(store.location())
                .hasMessageContaining("missing/key")
                .satisfies(e -> assertThat(((StorageException) e).key()).isEqualTo("missing/key"));
        assertThatThrownBy(() -> store.get("missing/key").close()).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> store.get("missing/key", ByteRange.suffix(4)).close()).isInstanceOf(ObjectNotFoundException.class);
    }

    @Test
    void rangedReadsReturnTheRangeAndTheWholeSize() throws IOException {
        byte[] data = random(10_000, 2);
        store.put("r", Payload.of(data));

        try (ObjectStream span = store.get("r", ByteRange.of(100, 50))) {
            assertThat(span.readAllRemaining()).isEqualTo(Arrays.copyOfRange(data, 100, 150));
            assertThat(span.object().size()).isEqualTo(10_000);
            assertThat(span.start()).isEqualTo(100);
            assertThat(span.length()).isEqualTo(50);
        }
        try (ObjectStream from = store.get("r", ByteRange.from(9_990))) {
            assertThat(from.readAllRemaining()).isEqualTo(Arrays.copyOfRange(data, 9_990, 10_000));
        }
        try (ObjectStream suffix = store.get("r", ByteRange.suffix(16))) {
            assertThat(suffix.readAllRemaining()).isEqualTo(Arrays.copyOfRange(data, 9_984, 10_000));
            assertThat(suffix.object().size()).isEqualTo(10_000);
            assertThat(suffix.start()).isEqualTo(9_984);
        }
        try (ObjectStream pastEnd = store.get("r", ByteRange.of(9_995, 100))) {
            assertThat(pastEnd.readAllRemaining()).isEqualTo(Arrays.copyOfRange(data, 9_995, 10_000));
        }
        try (ObjectStream beyond = store.get("r", ByteRange.from(20_000))) {
            assertThat(beyond.readAllRemaining()).isEmpty();
            assertThat(beyond.object().size()).isEqualTo(10_000);
        }
        try (ObjectStream longSuffix = store.get("r", ByteRange.suffix(50_000))) {
            assertThat(longSuffix.readAllRemaining()).isEqualTo(data);
        }
    }

    @Test
    void closingARangeEarlyDoesNotReadTheRest() throws IOException {
        byte[] data = random(4 * MIB, 3);
        store.put("partial", Payload.of(data));

        try (ObjectStream stream = store.get("partial")) {
            byte[] first = stream.readNBytes(10);
            assertThat(first).isEqualTo(Arrays.copyOf(data, 10));
        }
        assertThat(read("partial")).isEqualTo(data);
    }

    @Test
    void listIsByPrefixSortedAndComplete() {
        for (String key : List.of("staging/part_2.json", "staging/part_10.json", "staging/part_1/a", "staging/_plan.json",
                "part_0/x", "stagingx", "metadata.lance")) {
            store.put(key, Payload.of(bytes(key)));
        }

        assertThat(store.list("staging/part_")).extracting(ObjectInfo::key)
                .containsExactly("staging/part_1/a", "staging/part_10.json", "staging/part_2.json");
        assertThat(store.list("staging/")).extracting(ObjectInfo::key)
                .containsExactly("staging/_plan.json", "staging/part_1/a", "staging/part_10.json", "staging/part_2.json");
        assertThat(store.list("")).hasSize(7);
        assertThat(store.list("nothing/")).isEmpty();
        assertThat(store.list("staging/part_2.json")).singleElement()
                .satisfies(info -> assertThat(info.size()).isEqualTo("staging/part_2.json".length()));
    }

    @Test
    void prefixListingsNameTheNextSegmentOnce() {
        for (String key : List.of("generations/b/metadata.lance", "generations/a/part_0/x", "generations/a/part_1/y",
                "generations/c.json", "generationsX/d/e", "other/f/g")) {
            store.put(key, Payload.of(bytes(key)));
        }

        assertThat(store.listPrefixes("generations/")).containsExactly("a", "b");
        assertThat(store.listPrefixes("generations/a/")).containsExactly("part_0", "part_1");
        assertThat(store.listPrefixes("")).containsExactly("generations", "generationsX", "other");
        assertThat(store.listPrefixes("nothing/")).isEmpty();
    }

    @Test
    void shallowListingsStopAtTheNextSlash() {
        for (String key : List.of("staging/part_2.json", "staging/part_10.json", "staging/part_2/attempt_a/_0.cfs",
                "staging/part_2/attempt_a/segments_1", "staging/_plan.json", "part_0/x")) {
            store.put(key, Payload.of(bytes(key)));
        }

        assertThat(store.listShallow("staging/part_")).extracting(ObjectInfo::key)
                .containsExactly("staging/part_10.json", "staging/part_2.json");
        assertThat(store.listShallow("staging/")).extracting(ObjectInfo::key)
                .containsExactly("staging/_plan.json", "staging/part_10.json", "staging/part_2.json");
        assertThat(store.listShallow("")).isEmpty();
        assertThat(store.listShallow("staging/part_2/attempt_a/")).hasSize(2);
        assertThat(store.listShallow("nothing/here/")).isEmpty();
    }

    @Test
    void bytesThroughThisProcessAreCounted() throws IOException {
        RequestMetrics.Snapshot before = store.metrics().snapshot();
        store.put("counted", Payload.of(new byte[1000]));
        read("counted");
        try (ObjectStream tail = store.get("counted", ByteRange.suffix(16))) {
            tail.readAllRemaining();
        }

        RequestMetrics.Snapshot delta = store.metrics().snapshot().minus(before);

        // What was sent includes any transfer encoding of the body (S3 adds a checksum trailer).
        assertThat(delta.bytesWritten()).isBetween(1000L, 2000L);
        assertThat(delta.bytesRead()).isEqualTo(1016L);
    }

    @Test
    void listReturnsEveryPagePastAThousandKeys() throws Exception {
        int count = 1_234;
        parallel(count, i -> store.put(String.format("many/k%05d", i), Payload.of(bytes("v" + i))));
        store.put("other/k", Payload.of(bytes("x")));
        RequestMetrics.Snapshot before = store.metrics().snapshot();

        List<ObjectInfo> listed = store.list("many/");

        assertThat(listed).hasSize(count);
        assertThat(listed).extracting(ObjectInfo::key).isSorted().doesNotHaveDuplicates()
                .allMatch(key -> key.startsWith("many/k"));
        assertThat(listed.get(count - 1).key()).isEqualTo(String.format("many/k%05d", count - 1));
        assertListedInPages(store.metrics().snapshot().minus(before));
    }

    @Test
    void putIfAbsentCreatesOnceAndNeverReplaces() throws IOException {
        store.putIfAbsent("once", Payload.of(bytes("first")));

        assertThatThrownBy(() -> store.putIfAbsent("once", Payload.of(bytes("second"))))
                .isInstanceOf(ObjectAlreadyExistsException.class)
                .hasMessageContaining("once");
        assertThat(read("once")).isEqualTo(bytes("first"));
    }

    @Test
    void putIfAbsentHasExactlyOneWinnerAmongEightThreads() throws Exception {
        for (int round = 0; round < 5; round++) {
            String key = "race/key-" + round;
            int threads = 8;
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger winners = new AtomicInteger();
            AtomicInteger losers = new AtomicInteger();
            ConcurrentLinkedQueue<String> winnerContent = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                for (int t = 0; t < threads; t++) {
                    String content = "writer-" + t;
                    pool.submit(() -> {
                        start.await();
                        try {
                            store.putIfAbsent(key, Payload.of(bytes(content)));
                            winners.incrementAndGet();
                            winnerContent.add(content);
                        } catch (ObjectAlreadyExistsException e) {
                            losers.incrementAndGet();
                        } catch (Throwable e) {
                            unexpected.add(e);
                        }
                        return null;
                    });
                }
                start.countDown();
            } finally {
                pool.shutdown();
                assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            }

            assertThat(unexpected).isEmpty();
            assertThat(winners.get()).as("winners in round %d", round).isEqualTo(1);
            assertThat(losers.get()).isEqualTo(threads - 1);
            assertThat(new String(read(key), UTF_8)).isEqualTo(winnerContent.peek());
        }
    }

    @Test
    void copyDuplicatesTheObject() throws IOException {
        byte[] data = random(70_000, 4);
        store.put("src/file", Payload.of(data));

        ObjectInfo copied = store.copy("src/file", "dst/file", Optional.empty());

        assertThat(copied.key()).isEqualTo("dst/file");
        assertThat(copied.size()).isEqualTo(data.length);
        assertThat(read("dst/file")).isEqualTo(data);
        assertThat(read("src/file")).isEqualTo(data);
    }

    @Test
    void copyReplacesAnExistingTarget() throws IOException {
        store.put("src", Payload.of(bytes("new")));
        store.put("dst", Payload.of(bytes("old old")));

        store.copy("src", "dst", Optional.empty());

        assertThat(read("dst")).isEqualTo(bytes("new"));
    }

    @Test
    void copyHonoursTheSourceEtagPrecondition() throws IOException {
        store.put("src", Payload.of(bytes("version 1")));
        String etag = store.head("src").etag();
        store.copy("src", "dst1", Optional.of(etag));
        assertThat(read("dst1")).isEqualTo(bytes("version 1"));

        store.put("src", Payload.of(bytes("version 2!")));

        assertThatThrownBy(() -> store.copy("src", "dst2", Optional.of(etag)))
                .isInstanceOf(PreconditionFailedException.class)
                .hasMessageContaining("src");
        assertThatThrownBy(() -> store.head("dst2")).isInstanceOf(ObjectNotFoundException.class);
    }

    @Test
    void copyOfAMissingSourceIsNotFoundAndLeavesTheTarget() throws IOException {
        store.put("dst", Payload.of(bytes("keep")));

        assertThatThrownBy(() -> store.copy("no/such/source", "dst", Optional.empty()))
                .isInstanceOf(ObjectNotFoundException.class)
                .hasMessageContaining("no/such/source");
        assertThat(read("dst")).isEqualTo(bytes("keep"));
    }

    @Test
    void copyOfTwelveMebibytesAboveAFiveMebibyteThreshold() throws IOException {
        byte[] data = random(12 * MIB, 5);
        Path file = temp.resolve("twelve.bin");
        Files.write(file, data);
        store.put("large/src.bin", Payload.of(file));
        RequestMetrics.Snapshot before = store.metrics().snapshot();

        ObjectInfo copied = store.copy("large/src.bin", "large/dst.bin", Optional.empty());

        RequestMetrics.Snapshot requests = store.metrics().snapshot().minus(before);
        assertThat(copied.size()).isEqualTo(12L * MIB);
        assertThat(store.head("large/dst.bin").size()).isEqualTo(12L * MIB);
        assertThat(read("large/dst.bin")).isEqualTo(data);
        assertCopiedInParts(requests);
    }

    @Test
    void deleteIsIdempotent() {
        store.put("d", Payload.of(bytes("x")));

        store.delete("d");
        store.delete("d");
        store.delete("never/existed");

        assertThatThrownBy(() -> store.head("d")).isInstanceOf(ObjectNotFoundException.class);
        assertThat(store.list("")).isEmpty();
    }

    @Test
    void deleteAllRemovesEveryKeyInBatches() throws Exception {
        int count = 1_100;
        parallel(count, i -> store.put("bulk/" + i, Payload.of(bytes("x"))));
        store.put("keep/me", Payload.of(bytes("y")));
        List<String> keys = new ArrayList<>(IntStream.range(0, count).mapToObj(i -> "bulk/" + i).toList());
        keys.add("bulk/missing-one");

        store.deleteAll(keys);

        assertThat(store.list("bulk/")).isEmpty();
        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("keep/me");
        store.deleteAll(List.of());
    }

    @Test
    void putIsAtomicUnderConcurrentReaders() throws Exception {
        // Each version has its own size and is filled with its own byte: a torn read would show
        // mixed bytes or a size that does not match the fill.
        int base = 256 * 1024;
        store.put("atomic", Payload.of(version(1, base)));
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
        ExecutorService readers = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            futures.add(readers.submit(() -> {
                while (writing.get()) {
                    byte[] content;
                    try (ObjectStream stream = store.get("atomic")) {
                        content = stream.readAllRemaining();
                    }
                    reads.incrementAndGet();
                    int fill = content[0] & 0xff;
                    if (content.length != base + fill * 1000) {
                        torn.add("size " + content.length + " with fill " + fill);
                    }
                    for (byte b : content) {
                        if ((b & 0xff) != fill) {
                            torn.add("mixed bytes in a read of version " + fill);
                            break;
                        }
                    }
                }
                return null;
            }));
        }
        try {
            for (int v = 2; v <= 40; v++) {
                store.put("atomic", Payload.of(version(v, base)));
            }
        } finally {
            writing.set(false);
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
            readers.shutdown();
        }

        assertThat(torn).isEmpty();
        assertThat(reads.get()).isPositive();
        assertThat(read("atomic")[0]).isEqualTo((byte) 40);
    }

    @Test
    void invalidKeysAreRejectedWithTheKey() {
        for (String bad : List.of("", "/abs", "a//b", "a/../b", "./a", "dir/", "a\\b")) {
            assertThatThrownBy(() -> store.put(bad, Payload.of(bytes("x"))))
                    .as("key '%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("key");
        }
        assertThat(store.list("")).isEmpty();
    }

    @Test
    void metricsCountRequests() {
        RequestMetrics.Snapshot before = store.metrics().snapshot();
        store.put("m", Payload.of(bytes("x")));
        store.head("m");
        store.list("");

        RequestMetrics.Snapshot delta = store.metrics().snapshot().minus(before);

        assertThat(delta.total()).isGreaterThanOrEqualTo(3);
        assertThat(delta.byOperation()).isNotEmpty();
    }

    protected byte[] read(String key) throws IOException {
        try (ObjectStream stream = store.get(key)) {
            return stream.readAllRemaining();
        }
    }

    protected static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    protected static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static byte[] version(int v, int base) {
        byte[] data = new byte[base + v * 1000];
        Arrays.fill(data, (byte) v);
        return data;
    }

    /** Runs {@code action} for 0..count-1 on 8 threads, failing on the first error. */
    protected static void parallel(int count, IntAction action) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(pool.submit((Callable<Object>) () -> {
                    action.run(index);
                    return null;
                }));
            }
            for (Future<Object> future : futures) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    protected interface IntAction {
        void run(int i) throws Exception;
    }
}
