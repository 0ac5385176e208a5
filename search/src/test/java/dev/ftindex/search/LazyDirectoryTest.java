package dev.ftindex.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexMetadata.CommittedPartition;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.search.testing.TestIndexes;
import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.BitUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lazy directory against the same bytes on local disk, over every kind of store: every read
 * API of {@link IndexInput} and {@link RandomAccessInput} at random offsets and lengths, from many
 * threads, through a page cache small enough that pages are evicted while the test reads.
 */
class LazyDirectoryTest {
    /** Pages twice the hotcache's block size, so a page's check spans blocks and pinned blocks sit inside pages. */
    private static final int PAGE = 2 * Hotcache.DEFAULT_BLOCK_SIZE;

    @TempDir
    Path temp;

    static Stream<Arguments> stores() {
        Map<String, Function<Path, ObjectStore>> stores = Map.of(
                "memory", path -> InMemoryObjectStore.create(),
                "local", path -> ObjectStores.local(path.resolve("root")),
                "s3proxy", path -> {
                    S3ProxyServer server = S3ProxyServer.shared();
                    return ObjectStores.open(new StoreLocation.S3(server.newBucket(), "idx/"), server.settings().build(), Map.of());
                });
        return stores.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(entry -> Arguments.of(entry.getKey(), entry.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void everyReadReturnsTheBytesOnLocalDisk(String kind, Function<Path, ObjectStore> stores) throws Exception {
        try (ObjectStore store = stores.apply(temp)) {
            Path input = TestDocuments.write(temp.resolve("docs.jsonl"), TestDocuments.lines(0, 6_000, 3));
            TestIndexes.build(store, TestDocuments.spec(), input, 2, temp);
            IndexMetadata metadata = CommittedIndex.readMetadata(store);
            List<Path> local = new IndexCache(temp.resolve("full"), 2).fetch(store, metadata, Progress.silent());
            long indexBytes = metadata.totals().bytes();
            try (PageCache cache = new PageCache(temp.resolve("pages"), Math.max(4 * PAGE, indexBytes / 20), PAGE)) {
                for (CommittedPartition partition : metadata.partitions()) {
                    try (LazyDirectory directory = LazyDirectory.open(store, metadata, partition, cache)) {
                        List<String> expectedNames = partition.files().stream().map(FileEntry::name)
                                .filter(name -> !name.equals(Hotcache.NAME)).sorted().toList();
                        assertThat(directory.listAll()).containsExactlyElementsOf(expectedNames);
                        for (String name : expectedNames) {
                            byte[] bytes = Files.readAllBytes(local.get(partition.n()).resolve(name));
                            assertThat(directory.fileLength(name)).isEqualTo(bytes.length);
                            checkReads(directory, name, bytes, new Random(name.hashCode() * 31L + partition.n()));
                            checkConcurrentReads(directory, name, bytes);
                        }
                    }
                }
                PageCache.Stats stats = cache.stats();
                assertThat(stats.evictions()).as("%s: the cache (%d bytes) was smaller than what was read", kind, cache.maxBytes()).isPositive();
                assertThat(stats.cachedBytes()).isLessThanOrEqualTo(cache.maxBytes());
                assertThat(stats.hits()).isPositive();
            }
        }
    }

    private static void checkReads(LazyDirectory directory, String name, byte[] bytes, Random random) throws Exception {
        try (IndexInput in = directory.openInput(name, IOContext.DEFAULT)) {
            assertThat(in.length()).isEqualTo(bytes.length);
            for (int op = 0; op < 200; op++) {
                checkInput(in, bytes, 0, random);
                // A slice of a slice, and a clone of it, read the same bytes at shifted offsets.
                long sliceStart = random.nextInt(bytes.length);
                long sliceLength = random.nextInt((int) (bytes.length - sliceStart) + 1);
                IndexInput slice = in.slice("test", sliceStart, sliceLength);
                if (sliceLength > 0) {
                    checkInput(slice, bytes, sliceStart, random);
                    long innerStart = random.nextInt((int) sliceLength);
                    IndexInput inner = slice.slice("inner", innerStart, random.nextInt((int) (sliceLength - innerStart) + 1));
                    if (inner.length() > 0) {
                        checkInput(inner, bytes, sliceStart + innerStart, random);
                        checkInput(inner.clone(), bytes, sliceStart + innerStart, random);
                    }
                    checkRandomAccess(in.randomAccessSlice(sliceStart, sliceLength), bytes, sliceStart, sliceLength, random);
                }
                assertThatThrownBy(() -> in.slice("past", bytes.length - 1, 2)).isInstanceOf(IllegalArgumentException.class);
            }
            in.seek(bytes.length);
            assertThatThrownBy(in::readByte).isInstanceOf(EOFException.class);
            in.seek(bytes.length - 3);
            assertThatThrownBy(() -> in.readBytes(new byte[4], 0, 4)).isInstanceOf(EOFException.class);
            assertThatThrownBy(() -> in.seek(bytes.length + 1)).isInstanceOf(EOFException.class);
            RandomAccessInput all = in.randomAccessSlice(0, bytes.length);
            assertThatThrownBy(() -> all.readLong(bytes.length - 7)).isInstanceOf(EOFException.class);
            assertThatThrownBy(() -> all.readByte(bytes.length)).isInstanceOf(EOFException.class);
        }
    }

    /** One random read of {@code in}, a view of {@code bytes} from {@code base}: a seek then one of the read calls. */
    private static void checkInput(IndexInput in, byte[] bytes, long base, Random random) throws Exception {
        long length = in.length();
        long at = random.nextInt((int) length);
        in.seek(at);
        if (random.nextInt(4) == 0) {
            in.prefetch(at, Math.min(length - at, random.nextInt(4 * PAGE) + 1));
        }
        int remaining = (int) (length - at);
        switch (random.nextInt(6)) {
            case 0 -> assertThat(in.readByte()).isEqualTo(bytes[(int) (base + at)]);
            case 1 -> {
                // Mostly across page edges: up to three pages and a bit.
                int n = Math.min(remaining, random.nextInt(3 * PAGE + 100));
                byte[] read = new byte[n + 2];
                in.readBytes(read, 1, n);
                assertThat(Arrays.copyOfRange(read, 1, n + 1)).isEqualTo(Arrays.copyOfRange(bytes, (int) (base + at), (int) (base + at) + n));
            }
            case 2 -> {
                if (remaining >= Short.BYTES) {
                    assertThat(in.readShort()).isEqualTo((short) BitUtil.VH_LE_SHORT.get(bytes, (int) (base + at)));
                }
            }
            case 3 -> {
                if (remaining >= Integer.BYTES) {
                    assertThat(in.readInt()).isEqualTo((int) BitUtil.VH_LE_INT.get(bytes, (int) (base + at)));
                }
            }
            case 4 -> {
                if (remaining >= Long.BYTES) {
                    assertThat(in.readLong()).isEqualTo((long) BitUtil.VH_LE_LONG.get(bytes, (int) (base + at)));
                }
            }
            default -> {
                IndexInput clone = in.clone();
                assertThat(clone.getFilePointer()).isEqualTo(at);
                assertThat(clone.readByte()).isEqualTo(bytes[(int) (base + at)]);
                assertThat(in.getFilePointer()).as("a clone's reads do not move the original").isEqualTo(at);
            }
        }
        if (in.getFilePointer() < length) {
            assertThat(in.readByte()).as("the byte after the read").isEqualTo(bytes[(int) (base + in.getFilePointer() - 1)]);
        }
    }

    private static void checkRandomAccess(RandomAccessInput in, byte[] bytes, long base, long length, Random random) throws Exception {
        assertThat(in.length()).isEqualTo(length);
        for (int op = 0; op < 8; op++) {
            long pos = random.nextInt((int) length);
            int b = (int) (base + pos);
            switch (random.nextInt(5)) {
                case 0 -> assertThat(in.readByte(pos)).isEqualTo(bytes[b]);
                case 1 -> {
                    if (pos + Short.BYTES <= length) {
                        assertThat(in.readShort(pos)).isEqualTo((short) BitUtil.VH_LE_SHORT.get(bytes, b));
                    }
                }
                case 2 -> {
                    if (pos + Integer.BYTES <= length) {
                        assertThat(in.readInt(pos)).isEqualTo((int) BitUtil.VH_LE_INT.get(bytes, b));
                    }
                }
                case 3 -> {
                    if (pos + Long.BYTES <= length) {
                        assertThat(in.readLong(pos)).isEqualTo((long) BitUtil.VH_LE_LONG.get(bytes, b));
                    }
                }
                default -> {
                    int n = (int) Math.min(length - pos, random.nextInt(2 * PAGE));
                    byte[] read = new byte[n];
                    in.readBytes(pos, read, 0, n);
                    assertThat(read).isEqualTo(Arrays.copyOfRange(bytes, b, b + n));
                }
            }
        }
    }

    /** Eight threads reading clones of one input at once, each its own random way. */
    private static void checkConcurrentReads(LazyDirectory directory, String name, byte[] bytes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (IndexInput in = directory.openInput(name, IOContext.DEFAULT)) {
            List<Callable<Void>> readers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                IndexInput clone = in.clone();
                Random random = new Random(t);
                readers.add(() -> {
                    for (int op = 0; op < 50; op++) {
                        checkInput(clone, bytes, 0, random);
                    }
                    return null;
                });
            }
            for (Future<Void> reader : pool.invokeAll(readers)) {
                reader.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentMissesOnOnePageShareOneRequest() throws Exception {
        try (ObjectStore store = InMemoryObjectStore.create()) {
            Path input = TestDocuments.write(temp.resolve("docs.jsonl"), TestDocuments.lines(0, 4_000, 5));
            TestIndexes.build(store, TestDocuments.spec(), input, 1, temp);
            IndexMetadata metadata = CommittedIndex.readMetadata(store);
            CommittedPartition partition = metadata.partitions().get(0);
            FileEntry largest = partition.files().stream().max(java.util.Comparator.comparingLong(FileEntry::size)).orElseThrow();
            try (PageCache cache = new PageCache(temp.resolve("pages"), 1 << 20, PAGE);
                 LazyDirectory directory = LazyDirectory.open(store, metadata, partition, cache);
                 IndexInput in = directory.openInput(largest.name(), IOContext.DEFAULT)) {
                // The last page but one: never pinned by the hotcache (the footer's page may be).
                long at = (largest.size() / PAGE - 1) * PAGE + 5;
                long before = store.metrics().snapshot().count("get");
                ExecutorService pool = Executors.newFixedThreadPool(16);
                try {
                    List<Callable<Byte>> readers = new ArrayList<>();
                    for (int t = 0; t < 16; t++) {
                        IndexInput clone = in.clone();
                        readers.add(() -> {
                            clone.seek(at);
                            return clone.readByte();
                        });
                    }
                    List<Byte> read = new ArrayList<>();
                    for (Future<Byte> reader : pool.invokeAll(readers)) {
                        read.add(reader.get());
                    }
                    assertThat(read).containsOnly(read.get(0));
                } finally {
                    pool.shutdownNow();
                }
                assertThat(store.metrics().snapshot().count("get") - before).as("16 threads missing one page").isEqualTo(1);
            }
        }
    }
}
