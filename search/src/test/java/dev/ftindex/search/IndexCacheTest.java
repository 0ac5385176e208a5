package dev.ftindex.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.NotCommittedException;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.search.testing.TestIndexes;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexCacheTest {
    @TempDir
    Path temp;

    Path root;
    ObjectStore store;

    @BeforeEach
    void build() throws Exception {
        root = temp.resolve("index");
        // The local files seen as a store elsewhere: a local root itself is opened where it lies (InPlaceTest), never cached.
        store = new DelegatingStore(ObjectStores.local(root)) {};
        Path input = TestDocuments.write(temp.resolve("docs.jsonl"), TestDocuments.lines(0, 20_000, 7));
        TestIndexes.build(store, TestDocuments.spec(), input, 4, temp);
    }

    @Test
    void twoProcessesFillingOneCacheAtOnceShareAVerifiedCopy() throws Exception {
        for (int round = 0; round < 3; round++) {
            Path cache = temp.resolve("cache-" + round);
            List<Process> processes = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                processes.add(new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        SearchMain.class.getName(), root.toString(), cache.toString(), "lucene storage")
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            List<JsonNode> results = new ArrayList<>();
            for (Process process : processes) {
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
                assertThat(process.exitValue()).as(out).isZero();
                results.add(Json.MAPPER.readTree(out));
            }

            assertThat(results.get(0).get("hits")).isEqualTo(results.get(1).get("hits"));
            assertThat(results.get(0).get("hits").size()).isEqualTo(20);
            IndexMetadata metadata = CommittedIndex.readMetadata(store);
            Path cached = cache.resolve(metadata.indexId());
            for (IndexMetadata.CommittedPartition partition : metadata.partitions()) {
                for (var file : partition.files()) {
                    try (InputStream in = Files.newInputStream(cached.resolve("part_" + partition.n()).resolve(file.name()))) {
                        assertThat(LuceneFiles.verify(in)).isEqualTo(new LuceneFiles.Verified(file.size(), file.checksum()));
                    }
                }
            }
            try (Stream<Path> files = Files.walk(cached)) {
                assertThat(files.filter(Files::isRegularFile)).as("only committed files, no temporaries")
                        .hasSize(metadata.totals().files());
            }
        }
    }

    @Test
    void aDamagedCachedFileIsFetchedAgain() throws Exception {
        Path cache = temp.resolve("cache");
        IndexMetadata metadata;
        try (CommittedIndex index = CommittedIndex.open(store, cache, 2, Progress.silent())) {
            metadata = index.metadata();
        }
        var partition = metadata.partitions().getFirst();
        var file = partition.files().stream().max(java.util.Comparator.comparingLong(f -> f.size())).orElseThrow();
        Path cachedFile = cache.resolve(metadata.indexId()).resolve("part_0").resolve(file.name());
        byte[] bytes = Files.readAllBytes(cachedFile);
        Files.write(cachedFile, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        try (CommittedIndex index = CommittedIndex.open(store, cache, 2, Progress.silent())) {
            assertThat(index.search("index", 5).hits()).hasSize(5);
        }
        assertThat(Files.readAllBytes(cachedFile)).isEqualTo(bytes);
    }

    @Test
    void aCorruptCommittedFileIsNamedAndNeverServed() throws Exception {
        IndexMetadata metadata = CommittedIndex.readMetadata(store);
        List<String> damaged = new ArrayList<>();
        for (int n : new int[] {1, 3}) {
            var partition = metadata.partitions().get(n);
            var file = partition.files().stream().filter(f -> f.name().endsWith(".cfs")).findFirst().orElseThrow();
            String key = partition.key(file);
            byte[] bytes;
            try (ObjectStream stream = store.get(key)) {
                bytes = stream.readAllRemaining();
            }
            bytes[bytes.length / 3] ^= 0x40;
            store.put(key, Payload.of(bytes));
            damaged.add(key);
        }

        assertThatThrownBy(() -> CommittedIndex.open(store, temp.resolve("cache"), 2, Progress.silent()))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining(damaged.get(0))
                .hasMessageContaining(damaged.get(1))
                .hasMessageContaining("checksum mismatch");

        IndexVerifier.Result verified = new IndexVerifier(store, 2, Progress.silent()).verify(true, temp.resolve("scratch"));
        assertThat(verified.status()).isEqualTo(IndexVerifier.Result.Status.CORRUPT);
        assertThat(verified.problems()).hasSize(2);
        assertThat(verified.problems().get(0)).contains(damaged.get(0));
        assertThat(verified.problems().get(1)).contains(damaged.get(1));
    }

    @Test
    void aHealthyIndexVerifiesInFullAndDeep() {
        IndexVerifier.Result result = new IndexVerifier(store, 2, Progress.silent()).verify(true, temp.resolve("scratch"));

        assertThat(result.ok()).isTrue();
        assertThat(result.status()).isEqualTo(IndexVerifier.Result.Status.OK);
        assertThat(result.deep()).isTrue();
        assertThat(result.index().files()).isEqualTo(CommittedIndex.readMetadata(store).totals().files());
    }

    @Test
    void anUncommittedRootSaysSo() {
        ObjectStore empty = ObjectStores.local(temp.resolve("nothing"));

        assertThatThrownBy(() -> CommittedIndex.open(empty, temp.resolve("c"), 1, Progress.silent()))
                .isInstanceOf(NotCommittedException.class)
                .hasMessageContaining("not a committed index")
                .hasMessageContaining("ftindex status");
    }

    @Test
    void aMetadataLanceWithATraversingIndexIdIsRefusedAndNothingIsWrittenOutsideTheCache() throws Exception {
        Path cache = temp.resolve("deep/cache");
        Path outside = temp.resolve("outside");
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                Json.MAPPER.readTree(store.get(dev.ftindex.format.IndexLayout.METADATA).readAllRemaining());
        tree.remove("checksum");
        tree.put("indexId", "../../outside");
        store.put(dev.ftindex.format.IndexLayout.METADATA, Payload.of(Json.writeChecksummed(tree)));

        assertThatThrownBy(() -> CommittedIndex.open(store, cache, 2, Progress.silent()))
                .isInstanceOf(dev.ftindex.objectstore.CorruptObjectException.class)
                .hasMessageContaining("metadata.lance")
                .hasMessageContaining("indexId '../../outside' is not an index id");
        assertThat(outside).doesNotExist();
    }

    @Test
    void theCacheRefusesEveryPathThatLeavesIt() {
        Path cache = temp.resolve("cache");

        assertThat(IndexCache.inside(cache, "0123456789abcdef0123456789abcdef")).startsWithRaw(cache.toAbsolutePath());
        for (String name : List.of("..", "../x", "a/../../x", "/etc/passwd", ".", "")) {
            assertThatThrownBy(() -> IndexCache.inside(cache, name))
                    .as(name)
                    .isInstanceOf(CorruptIndexException.class)
                    .hasMessageContaining("outside the cache");
        }
    }
}
