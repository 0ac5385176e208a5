package dev.ftindex.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.SearchResult;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code df.write.format("ftindex")} on a real local SparkSession ({@code local[2,3]}: two task
 * threads, a task tried up to three times) writing to S3Proxy on 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkWriterTest {
    private static final int DOCS = 3000;
    private static final S3ProxyServer S3 = S3ProxyServer.shared();
    private static final List<String> QUERIES = List.of("index", "search AND lucene", "\"object storage\"", "commit OR crash",
            "title:partition", "retry -network", "data*", "cluster node", "title:(index OR merge)", "tags:for");

    @TempDir
    static Path temp;

    private SparkSession spark;
    private Path jsonl;
    private final AtomicInteger tasksStarted = new AtomicInteger();
    private final AtomicInteger tasksFailed = new AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        // The executors (threads of this JVM) find credentials as real ones do: the standard AWS chain.
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        spark = SparkSession.builder().master("local[2,3]").appName("ftindex-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.local.dir", Files.createDirectories(temp.resolve("spark-local")).toString())
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                tasksStarted.incrementAndGet();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) {
                    tasksFailed.incrementAndGet();
                }
            }
        });
        jsonl = TestDocuments.write(Files.createDirectories(temp.resolve("input")).resolve("docs.jsonl"), TestDocuments.lines(0, DOCS, 9));
    }

    @AfterAll
    void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private DataFrameWriter<Row> writer(Dataset<Row> frame) {
        return writer(frame, "ftindex");
    }

    /** A writer through the test's fault-injecting source: the faults are {@link FaultInjectingDataSource#faults}. */
    private DataFrameWriter<Row> faulty(Dataset<Row> frame, FaultInjectingDataSource.Faults faults) {
        FaultInjectingDataSource.faults = faults;
        return writer(frame, FaultInjectingDataSource.class.getName());
    }

    private DataFrameWriter<Row> writer(Dataset<Row> frame, String format) {
        return frame.write().format(format)
                .option("spec", new String(Json.write(TestDocuments.spec()), StandardCharsets.UTF_8))
                .option("endpoint", S3.endpoint().toString())
                .option("region", "us-east-1")
                .option("pathStyle", "true")
                .option("ramBufferMb", "16");
    }

    private Dataset<Row> documents() {
        return spark.read().json(jsonl.toString());
    }

    private static ObjectStore store(String bucket, String prefix) {
        return ObjectStores.open(new StoreLocation.S3(bucket, prefix), S3.settings().build(), Map.of());
    }

    private static Set<String> allIds(ObjectStore root, Path cache) {
        try (CommittedIndex index = CommittedIndex.open(root, cache, 2, Progress.silent())) {
            SearchResult all = index.search("*:*", DOCS * 2);
            List<String> ids = all.hits().stream().map(SearchResult.Hit::id).toList();
            assertThat(new HashSet<>(ids)).as("every id once").hasSize(ids.size());
            return new HashSet<>(ids);
        }
    }

    private static Set<String> expectedIds(int docs) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < docs; i++) {
            ids.add("doc-" + i);
        }
        return ids;
    }

    @Test
    void aDataFrameWrittenWithFormatFtindexSearchesExactlyAsFtindexBuildOverTheSameRecords() throws Exception {
        String bucket = S3.newBucket();
        Map<String, Long> metrics = new ConcurrentHashMap<>();
        CountDownLatch reported = new CountDownLatch(1);
        QueryExecutionListener listener = new QueryExecutionListener() {
            @Override
            public void onSuccess(String action, QueryExecution execution, long durationNs) {
                collectMetrics(execution.executedPlan(), metrics);
                reported.countDown();
            }

            @Override
            public void onFailure(String action, QueryExecution execution, Exception failure) {
                reported.countDown();
            }
        };
        spark.listenerManager().register(listener);
        try {
            writer(documents()).option("partitions", "3").mode("append").save("s3://" + bucket + "/idx");
            assertThat(reported.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            spark.listenerManager().unregister(listener);
        }
        // The tasks' custom metrics, summed by Spark into the write's SQL metrics.
        assertThat(metrics).containsEntry(Metrics.DOCUMENTS, (long) DOCS);
        assertThat(metrics.get(Metrics.BYTES)).isGreaterThan((long) DOCS * 10);

        // ftindex build over the same records as JSON Lines: two workers and the finalizer.
        try (ObjectStore spark = store(bucket, "idx/"); ObjectStore cli = store(bucket, "cli/")) {
            for (int partition = 0; partition < 2; partition++) {
                new Worker(cli, WorkerConfig.of(TestDocuments.spec(), List.of(jsonl.toString()), partition, Optional.of(2)).withThreads(1)
                        .withWorkDirectory(temp.resolve("work")), location -> {
                            throw new AssertionError(location);
                        }, Progress.silent()).run();
            }
            new Finalizer(cli, FinalizerConfig.defaults(), Progress.silent()).run();
            IndexMetadata metadata = StoredJson.read(spark, IndexLayout.METADATA, IndexMetadata.class);
            assertThat(metadata.totals().partitions()).isEqualTo(3);
            assertThat(metadata.totals().docs()).isEqualTo(DOCS);
            assertThat(spark.list(IndexLayout.STAGING)).as("staging is cleaned up after the commit").isEmpty();
            try (CommittedIndex ours = CommittedIndex.open(spark, temp.resolve("cache-spark"), 2, Progress.silent());
                 CommittedIndex reference = CommittedIndex.open(cli, temp.resolve("cache-cli"), 2, Progress.silent())) {
                for (String query : QUERIES) {
                    SearchResult expected = reference.search(query, 50);
                    SearchResult actual = ours.search(query, 50);
                    assertThat(expected.hits()).as(query).isNotEmpty();
                    assertThat(scored(actual)).as(query).isEqualTo(scored(expected));
                    assertThat(actual.hits().getFirst().fields()).as(query).isEqualTo(expected.hits().getFirst().fields());
                }
            }
        }
    }

    private static void collectMetrics(SparkPlan plan, Map<String, Long> into) {
        CollectionConverters.asJava(plan.metrics()).forEach((name, metric) -> into.merge(name, metric.value(), Long::sum));
        CollectionConverters.asJava(plan.children()).forEach(child -> collectMetrics(child, into));
    }

    private static List<String> scored(SearchResult result) {
        return result.hits().stream().map(hit -> hit.id() + "=" + Float.floatToRawIntBits(hit.score())).toList();
    }

    @Test
    void theReadyMadeJobWritesJsonLinesIntoACommittedIndexAndSaysWhatItCommitted() throws Exception {
        String bucket = S3.newBucket();
        Path spec = Files.write(temp.resolve("job-spec.json"), Json.write(TestDocuments.spec()));
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = System.out;
        int exit;
        System.setOut(new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            exit = new picocli.CommandLine(new WriteJson()).execute("--input", jsonl.toString(), "--index", "s3://" + bucket + "/job",
                    "--spec", spec.toString(), "--partitions", "2", "--option", "endpoint=" + S3.endpoint(), "--option", "region=us-east-1",
                    "--option", "pathStyle=true", "--option", "ramBufferMb=16");
        } finally {
            System.setOut(out);
        }
        assertThat(exit).as(printed.toString(StandardCharsets.UTF_8)).isZero();
        com.fasterxml.jackson.databind.JsonNode result = Json.MAPPER.readTree(printed.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.startsWith("{")).reduce((a, b) -> b).orElseThrow());
        assertThat(result.path("documents").asLong()).isEqualTo(DOCS);
        assertThat(result.path("partitions").asInt()).isEqualTo(2);
        try (ObjectStore root = store(bucket, "job/")) {
            assertThat(result.path("indexId").asText()).isEqualTo(new dev.ftindex.format.IndexRoot(root).requireCommit().metadata().indexId());
        }
        assertThat(spark.sparkContext().isStopped()).as("the test's session is not the job's to stop").isFalse();

        java.io.StringWriter usage = new java.io.StringWriter();
        int bad = new picocli.CommandLine(new WriteJson()).setErr(new java.io.PrintWriter(usage)).execute("--index", "s3://" + bucket + "/x");
        assertThat(bad).isEqualTo(2);
        assertThat(usage.toString()).contains("Missing required option: '--input=PATH'");
    }

    @Test
    void aTaskThatFailsOnItsFirstAttemptIsRetriedAndTheCommitHoldsEveryRowOnce() throws Exception {
        for (FaultInjectingDataSource.Where where : List.of(FaultInjectingDataSource.Where.WRITE, FaultInjectingDataSource.Where.STAGED)) {
            String bucket = S3.newBucket();
            int failedBefore = tasksFailed.get();
            faulty(documents(), new FaultInjectingDataSource.Faults(where, false)).option("partitions", "3").mode("append")
                    .save("s3://" + bucket + "/idx");
            assertThat(tasksFailed.get() - failedBefore).as(where + ": every first attempt failed").isEqualTo(3);
            try (ObjectStore root = store(bucket, "idx/")) {
                assertThat(allIds(root, temp.resolve("cache-" + where))).as(where.name()).isEqualTo(expectedIds(DOCS));
                assertThat(root.list("")).extracting(o -> o.key()).allMatch(key -> key.equals(IndexLayout.METADATA) || key.startsWith("part_"));
            }
        }
    }

    @Test
    void ofTwoAttemptsThatBothStagedOnePartitionTheFirstWinsAndTheOtherLeavesNothing() throws Exception {
        String bucket = S3.newBucket();
        int failedBefore = tasksFailed.get();
        // Every first attempt stages its partition completely, then its executor "is lost": no
        // abort, its files and manifest stay. The retry builds the same partition again.
        faulty(documents(), new FaultInjectingDataSource.Faults(FaultInjectingDataSource.Where.STAGED_WITHOUT_ABORT, false))
                .option("partitions", "2").mode("append").save("s3://" + bucket + "/idx");
        assertThat(tasksFailed.get() - failedBefore).isEqualTo(2);
        try (ObjectStore root = store(bucket, "idx/")) {
            IndexMetadata metadata = StoredJson.read(root, IndexLayout.METADATA, IndexMetadata.class);
            assertThat(metadata.partitions()).hasSize(2);
            assertThat(allIds(root, temp.resolve("cache-race"))).isEqualTo(expectedIds(DOCS));
            // Each partition is one attempt's files: every committed file is listed once, under its partition.
            for (IndexMetadata.CommittedPartition partition : metadata.partitions()) {
                assertThat(root.list("part_" + partition.n() + "/")).hasSize(partition.files().size());
            }
            assertThat(root.list(IndexLayout.STAGING)).isEmpty();
        }
    }

    @Test
    void aRerunAfterAJobThatFailedBetweenStagingAndCommitCommitsOnlyTheRerunsPartitions() throws Exception {
        String bucket = S3.newBucket();
        String path = "s3://" + bucket + "/idx";
        // The first run stages 4 partitions of all 3000 rows, and its driver dies before the commit.
        assertThatThrownBy(() -> faulty(documents(), new FaultInjectingDataSource.Faults(null, true)).option("partitions", "4")
                .mode("append").save(path)).hasStackTraceContaining("the driver dies");
        try (ObjectStore root = store(bucket, "idx/")) {
            assertThat(root.list(IndexLayout.MANIFEST_PREFIX)).as("the failed run's staging stays").isNotEmpty();
            assertThat(new dev.ftindex.format.IndexRoot(root).isCommitted()).isFalse();
        }
        // The rerun (fewer rows, other partitioning) refuses to stage next to it in append mode...
        Dataset<Row> fewer = documents().filter("CAST(substring(id, 5) AS INT) < 2000");
        assertThatThrownBy(() -> writer(fewer).option("partitions", "3").mode("append").save(path))
                .hasStackTraceContaining("holds the uncommitted staging of write").hasStackTraceContaining("overwrite");
        // ...and replaces it in overwrite mode: the commit holds the rerun's rows and nothing of the first run.
        writer(fewer).option("partitions", "3").mode("overwrite").save(path);
        try (ObjectStore root = store(bucket, "idx/")) {
            IndexMetadata metadata = StoredJson.read(root, IndexLayout.METADATA, IndexMetadata.class);
            assertThat(metadata.totals().partitions()).isEqualTo(3);
            assertThat(allIds(root, temp.resolve("cache-rerun"))).isEqualTo(expectedIds(2000));
            assertThat(root.list(IndexLayout.STAGING)).isEmpty();
        }
        // A committed index is never changed, whatever the mode.
        assertThatThrownBy(() -> writer(fewer).mode("overwrite").save(path)).hasStackTraceContaining("is a committed index");
    }

    @Test
    void aMissingOrMistypedColumnFailsBeforeAnyTaskStartsNamingIt() {
        String bucket = S3.newBucket();
        StructType noContents = new StructType().add("id", DataTypes.StringType).add("title", DataTypes.StringType)
                .add("year", DataTypes.LongType).add("tags", DataTypes.createArrayType(DataTypes.StringType));
        Dataset<Row> missing = spark.createDataFrame(List.of(RowFactory.create("a", "t", 1990L, new String[] {"x"})), noContents);
        StructType yearAsText = new StructType().add("id", DataTypes.StringType).add("title", DataTypes.StringType)
                .add("contents", DataTypes.StringType).add("year", DataTypes.StringType).add("tags", DataTypes.createArrayType(DataTypes.StringType));
        Dataset<Row> mistyped = spark.createDataFrame(List.of(RowFactory.create("a", "t", "c", "1990", new String[] {"x"})), yearAsText);
        StructType noId = new StructType().add("key", DataTypes.StringType).add("title", DataTypes.StringType)
                .add("contents", DataTypes.StringType).add("year", DataTypes.LongType).add("tags", DataTypes.createArrayType(DataTypes.StringType));
        Dataset<Row> withoutId = spark.createDataFrame(List.of(RowFactory.create("a", "t", "c", 1990L, new String[] {"x"})), noId);

        int before = tasksStarted.get();
        assertThatThrownBy(() -> writer(missing).mode("append").save("s3://" + bucket + "/a"))
                .hasStackTraceContaining("'contents' has no column");
        assertThatThrownBy(() -> writer(mistyped).mode("append").save("s3://" + bucket + "/b"))
                .hasStackTraceContaining("column 'year' is string, but spec field 'year' is long");
        assertThatThrownBy(() -> writer(withoutId).mode("append").save("s3://" + bucket + "/c"))
                .hasStackTraceContaining("the id field 'id' has no column");
        assertThatThrownBy(() -> writer(withoutId).option("ramBuferMb", "8").mode("append").save("s3://" + bucket + "/d"))
                .hasStackTraceContaining("unknown option 'rambufermb'");
        assertThatThrownBy(() -> writer(missing).save("s3://" + bucket + "/e")).as("Spark's default mode").isNotNull();
        assertThat(tasksStarted.get()).as("no task ran").isEqualTo(before);
        try (ObjectStore bucketRoot = store(bucket, "")) {
            assertThat(bucketRoot.list("")).as("nothing was written").isEmpty();
        }
    }

    /**
     * Two rows of one id can never reach two tasks: the writer asks Spark to cluster rows by the id,
     * so both copies meet in one task, whose own check names them (the finalizer's check across
     * partitions, which CLI workers need, finds nothing here). Shown with the copies in different
     * input partitions of the DataFrame.
     */
    @Test
    void aDuplicateIdAnywhereFailsTheWriteNamingItUnlessAllowed() throws Exception {
        String bucket = S3.newBucket();
        Dataset<Row> documents = documents();
        // doc-7 a second time, with other text, in a different input partition.
        Dataset<Row> twice = documents.unionByName(documents.filter("id = 'doc-7'").withColumn("title", functions.lit("another title")));
        assertThat(twice.where("id = 'doc-7'").select(functions.spark_partition_id()).distinct().count())
                .as("the two rows start in different input partitions").isEqualTo(2);
        assertThatThrownBy(() -> writer(twice).option("partitions", "3").mode("append").save("s3://" + bucket + "/dup"))
                .hasStackTraceContaining("1 id occurs more than once (2 records): \"doc-7\"").hasStackTraceContaining("allowDuplicateIds");
        writer(twice).option("partitions", "3").option("allowDuplicateIds", "true").mode("overwrite").save("s3://" + bucket + "/dup");
        try (ObjectStore root = store(bucket, "dup/")) {
            IndexMetadata metadata = StoredJson.read(root, IndexLayout.METADATA, IndexMetadata.class);
            assertThat(metadata.totals().docs()).isEqualTo(DOCS + 1);
            assertThat(metadata.crossDuplicateIds()).as("never in two partitions").isNull();
            assertThat(metadata.partitions()).extracting(IndexMetadata.CommittedPartition::duplicateIds)
                    .as("both copies in one partition").containsOnlyOnce(1L).filteredOn(java.util.Objects::nonNull).hasSize(1);
        }
    }

    @Test
    void anAppendWithTheBaseOptionHoldsTheBaseAndSearchesLikeOneWriteOfEveryRow() throws Exception {
        String bucket = S3.newBucket();
        Dataset<Row> documents = documents();
        Dataset<Row> old = documents.filter("cast(substring(id, 5) as int) < 2000");
        Dataset<Row> fresh = documents.filter("cast(substring(id, 5) as int) >= 2000");
        writer(old).option("partitions", "2").mode("append").save("s3://" + bucket + "/g1");
        writer(fresh).option("partitions", "2").option("base", "s3://" + bucket + "/g1").mode("append").save("s3://" + bucket + "/g2");
        writer(documents).option("partitions", "3").mode("append").save("s3://" + bucket + "/whole");

        try (ObjectStore appended = store(bucket, "g2/"); ObjectStore base = store(bucket, "g1/"); ObjectStore whole = store(bucket, "whole/")) {
            IndexMetadata metadata = StoredJson.read(appended, IndexLayout.METADATA, IndexMetadata.class);
            assertThat(metadata.base().indexId()).isEqualTo(StoredJson.read(base, IndexLayout.METADATA, IndexMetadata.class).indexId());
            assertThat(metadata.partitions()).extracting(IndexMetadata.CommittedPartition::basePartition).containsExactly(0, 1, null, null);
            assertThat(metadata.totals().docs()).isEqualTo(DOCS);
            try (CommittedIndex ours = CommittedIndex.open(appended, temp.resolve("cache-append"), 2, Progress.silent());
                 CommittedIndex reference = CommittedIndex.open(whole, temp.resolve("cache-whole"), 2, Progress.silent())) {
                for (String query : QUERIES) {
                    SearchResult expected = reference.search(query, 50);
                    assertThat(expected.hits()).as(query).isNotEmpty();
                    assertThat(scored(ours.search(query, 50))).as(query).isEqualTo(scored(expected));
                }
            }
        }

        // Rows whose ids the base holds: the write fails naming one, unless allowed.
        Dataset<Row> again = documents.filter("id = 'doc-7' or id = 'doc-2500'");
        assertThatThrownBy(() -> writer(again).option("base", "s3://" + bucket + "/g1").mode("append").save("s3://" + bucket + "/g3"))
                .hasStackTraceContaining("\"doc-7\" in the base partition").hasStackTraceContaining("--allow-duplicate-ids");
        writer(again).option("base", "s3://" + bucket + "/g1").option("allowDuplicateIds", "true").mode("overwrite")
                .save("s3://" + bucket + "/g3");
        try (ObjectStore root = store(bucket, "g3/")) {
            IndexMetadata metadata = StoredJson.read(root, IndexLayout.METADATA, IndexMetadata.class);
            assertThat(metadata.crossDuplicateIds()).isEqualTo(1);
            assertThat(metadata.totals().docs()).isEqualTo(2000 + 2);
        }
    }

    /**
     * An update through Spark: {@code option("upsert", "true")} and the ids of a second DataFrame,
     * written as text and given as {@code option("delete", dir)}; the new generation answers 200
     * queries as one Lucene index fed the same operations.
     */
    @Test
    void anUpsertAndADeleteDataFrameAnswerAsOneLuceneIndexFedTheSameOperations() throws Exception {
        String bucket = S3.newBucket();
        List<String> base = TestDocuments.lines(0, DOCS, 9);
        writer(documents()).option("partitions", "2").mode("append").save("s3://" + bucket + "/g1");
        List<String> added = new java.util.ArrayList<>();
        for (int i = 0; i < DOCS; i += 25) {
            added.addAll(TestDocuments.lines(i, 1, 7_000 + i));
        }
        added.addAll(TestDocuments.lines(DOCS, 300, 10));
        Path changed = TestDocuments.write(temp.resolve("update/changed.jsonl"), added);
        List<String> deletes = new java.util.ArrayList<>();
        for (int i = 1; i < DOCS; i += 30) {
            deletes.add("doc-" + i);
        }
        Path deleteDirectory = temp.resolve("update/deletes");
        spark.createDataset(deletes, org.apache.spark.sql.Encoders.STRING()).toDF("id").repartition(3).write().text(deleteDirectory.toString());

        writer(spark.read().json(changed.toString())).option("partitions", "2").option("base", "s3://" + bucket + "/g1")
                .option("upsert", "true").option("delete", deleteDirectory.toString()).mode("append").save("s3://" + bucket + "/g2");

        try (ObjectStore updated = store(bucket, "g2/");
             dev.ftindex.search.testing.ReferenceIndex reference = dev.ftindex.search.testing.ReferenceIndex.updated(TestDocuments.spec(),
                     base, deletes, added, true, temp.resolve("update/reference"));
             CommittedIndex ours = CommittedIndex.open(updated, temp.resolve("cache-update"), 2, Progress.silent())) {
            IndexMetadata metadata = StoredJson.read(updated, IndexLayout.METADATA, IndexMetadata.class);
            assertThat(metadata.deletedDocs()).as("120 replaced, 100 deleted").isEqualTo(220);
            for (String query : TestDocuments.queries(200, 92)) {
                List<String> expected = reference.search(query, 20).stream()
                        .map(hit -> hit.id() + "=" + hit.scoreBits()).toList();
                assertThat(ours.search(query, 20).hits().stream().map(hit -> hit.id() + "=" + Float.floatToRawIntBits(hit.score())).toList())
                        .as(query).isEqualTo(expected);
            }
        }
        assertThatThrownBy(() -> writer(documents()).option("upsert", "true").mode("append").save("s3://" + bucket + "/g3"))
                .hasStackTraceContaining("give the option base");
    }

    @Test
    void nestedColumnsAndEveryConvertibleTypeMapAsDocumented() throws Exception {
        String bucket = S3.newBucket();
        String spec = """
                {"idField": "id",
                 "fields": {"author.name": {"type": "keyword", "stored": true},
                            "body": {"type": "text", "stored": true},
                            "count": {"type": "long", "stored": true},
                            "small": {"type": "long", "stored": true},
                            "price": {"type": "double", "stored": true},
                            "amount": {"type": "long", "stored": true},
                            "day": {"type": "long", "stored": true},
                            "at": {"type": "long", "stored": true},
                            "labels": {"type": "keyword", "stored": true}},
                 "defaultSearchFields": ["body"]}
                """;
        Dataset<Row> frame = spark.sql("SELECT 42L AS id, named_struct('name', 'ada') AS author, 'a body of text' AS body, 7 AS count,"
                + " CAST(3 AS SMALLINT) AS small, CAST(2.5 AS DECIMAL(10,2)) AS price, CAST(12 AS DECIMAL(10,0)) AS amount,"
                + " DATE'1970-01-11' AS day, TIMESTAMP_NTZ'1970-01-01 00:00:01.5' AS at, array('x', 'y') AS labels");
        frame.write().format("ftindex").option("spec", spec).option("endpoint", S3.endpoint().toString()).option("region", "us-east-1")
                .option("pathStyle", "true").option("partitions", "1").mode("append").save("s3://" + bucket + "/types");
        try (ObjectStore root = store(bucket, "types/");
             CommittedIndex index = CommittedIndex.open(root, temp.resolve("cache-types"), 1, Progress.silent())) {
            SearchResult result = index.search("body", 1);
            assertThat(result.hits()).singleElement().satisfies(hit -> {
                assertThat(hit.id()).isEqualTo("42");
                assertThat(hit.fields()).containsEntry("author.name", "ada").containsEntry("count", 7L).containsEntry("small", 3L)
                        .containsEntry("price", 2.5).containsEntry("amount", 12L).containsEntry("day", 10L).containsEntry("at", 1500L)
                        .containsEntry("labels", List.of("x", "y"));
            });
        }
    }
}
