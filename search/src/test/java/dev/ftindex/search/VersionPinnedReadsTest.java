package dev.ftindex.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.search.testing.Damage;
import dev.ftindex.search.testing.TestIndexes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lazily read file is read as one version: every ranged read after the first asks S3 for the
 * etag the first returned ({@code If-Match}), so an object replaced while a process reads it fails
 * the queries that read it, naming it, even where the page they read is unchanged: never a mix of
 * two versions' bytes.
 */
class VersionPinnedReadsTest {
    @TempDir
    Path temp;

    @Test
    void anObjectReplacedWhileItIsReadFailsTheQueriesThatReadItNamingIt() throws Exception {
        S3ProxyServer server = S3ProxyServer.shared();
        try (ObjectStore store = ObjectStores.open(new StoreLocation.S3(server.newBucket(), "idx/"), server.settings().build(), Map.of())) {
            TestIndexes.build(store, TestDocuments.spec(), TestDocuments.write(temp.resolve("docs.jsonl"), TestDocuments.lines(0, 20_000, 3)),
                    1, temp);
            IndexMetadata metadata = CommittedIndex.readMetadata(store);
            List<String> queries = List.of("index", "search lucene", "storage", "commit OR merge", "\"object storage\"", "retry", "node",
                    "cluster", "shard bucket", "latency", "memory disk", "cache stream", "checksum", "river", "garden");
            try (CommittedIndex full = CommittedIndex.open(store, temp.resolve("full"), 1, Progress.silent());
                 PageCache cache = new PageCache(temp.resolve("pages"), 64L << 20, 4096);
                 CommittedIndex lazy = CommittedIndex.openLazy(store, cache, 1)) {
                assertThat(lazy.search("index", 10).hits()).isEqualTo(full.search("index", 10).hits());

                // The partition's largest file, replaced by a version that differs in one byte near its start (a page few queries read).
                var largest = metadata.partitions().getFirst().files().stream().max(java.util.Comparator.comparingLong(f -> f.size())).orElseThrow();
                Damage.flipByte(store, metadata.partitions().getFirst().key(largest), 100);

                int replaced = 0;
                for (String query : queries.subList(1, queries.size())) {
                    try {
                        assertThat(lazy.search(query, 10).hits()).as(query).isEqualTo(full.search(query, 10).hits());
                    } catch (CorruptIndexException e) {
                        assertThat(e.getMessage()).as(query).contains(largest.name()).contains("was replaced in the store");
                        replaced++;
                    }
                }
                assertThat(replaced).as("queries that read the replaced file after its first version").isPositive();
            }
        }
    }
}
