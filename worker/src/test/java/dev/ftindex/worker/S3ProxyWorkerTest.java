package dev.ftindex.worker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.worker.testing.ParquetFiles;
import dev.ftindex.worker.testing.StagedPartitions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worker protocol against a real S3 server, plus inputs read from S3. */
class S3ProxyWorkerTest extends WorkerProtocolTest {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();
    private final Map<String, ObjectStore> inputStores = new ConcurrentHashMap<>();

    @Override
    ObjectStore createStore() {
        return ObjectStores.open(new StoreLocation.S3(SERVER.newBucket(), "idx/"), SERVER.settings().build(), Map.of());
    }

    @Override
    Function<StoreLocation.S3, ObjectStore> inputStores() {
        return location -> inputStores.computeIfAbsent(location.uri(), uri -> ObjectStores.open(location, SERVER.settings().build(), Map.of()));
    }

    @AfterEach
    void closeInputStores() {
        inputStores.values().forEach(ObjectStore::close);
    }

    @Test
    void inputsAreReadFromS3ByPrefixGlobAndRange() throws Exception {
        String bucket = SERVER.newBucket();
        List<String> lines = TestDocuments.lines(0, 2_000, 11);
        try (ObjectStore docs = ObjectStores.open(new StoreLocation.S3(bucket, ""), SERVER.settings().build(), Map.of())) {
            Path big = TestDocuments.write(temp.resolve("big.jsonl"), lines.subList(0, 1_500));
            Path small = TestDocuments.write(temp.resolve("small.jsonl.gz"), lines.subList(1_500, 2_000));
            docs.put("docs/big.jsonl", Payload.of(big));
            docs.put("docs/small.jsonl.gz", Payload.of(small));
            docs.put("docs/README.txt", Payload.of(Files.readAllBytes(big)));
        }

        for (String input : List.of("s3://" + bucket + "/docs/", "s3://" + bucket + "/docs/*.jsonl*")) {
            ObjectStore index = createStore();
            List<String> ids = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                run(index, config(List.of(input), p, 4));
                ids.addAll(StagedPartitions.ids(index, p, temp.resolve("s3-" + ids.size())));
            }
            assertThat(ids).as(input).doesNotHaveDuplicates();
            assertThat(new HashSet<>(ids)).as(input).isEqualTo(expectedIds(lines));
            index.close();
        }
    }

    @Test
    void oneColumnOfAWideParquetFileOnS3IsReadWithRangedReadsOfThatColumnOnly() throws Exception {
        StringBuilder columns = new StringBuilder("SELECT 'doc-' || i AS id");
        for (int c = 0; c < 40; c++) {
            columns.append(", md5(i::VARCHAR || '-").append(c).append("') || md5(i::VARCHAR || '+").append(c).append("') AS c").append(c);
        }
        Path wide = ParquetFiles.query(temp.resolve("wide.parquet"), columns + " FROM range(20000) t(i)", 4_096, "snappy");
        String bucket = SERVER.newBucket();
        try (ObjectStore docs = ObjectStores.open(new StoreLocation.S3(bucket, ""), SERVER.settings().build(), Map.of())) {
            docs.put("docs/wide.parquet", Payload.of(wide));
        }
        IndexSpec spec = IndexSpec.parse("{\"idField\": \"id\", \"fields\": {\"c7\": {\"type\": \"text\"}}}".getBytes(UTF_8), "spec");

        WorkerResult result = run(store, WorkerConfig.builder(spec, List.of("s3://" + bucket + "/docs/wide.parquet"), 0)
                .threads(2).ramBufferMb(16).workDirectory(Optional.of(temp.resolve("work"))).build());

        long size = Files.size(wide);
        ObjectStore input = inputStores().apply(new StoreLocation.S3(bucket, ""));
        assertThat(result.docs()).isEqualTo(20_000);
        assertThat(result.input().bytes()).isEqualTo(size);
        assertThat(result.input().bytesRead()).as("footer and one column of 41, of %d bytes", size).isLessThan(size / 10).isPositive();
        assertThat(input.metrics().snapshot().bytesRead()).as("what came over the wire").isLessThan(size / 10);
    }
}
