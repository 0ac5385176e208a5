package dev.ftindex.worker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.builder.StageStatus;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.FinalizePlan;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.TransientStorageException;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.FaultInjectingObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.objectstore.testing.InjectedCrash;
import dev.ftindex.worker.Assignment.SplitRules;
import dev.ftindex.worker.testing.ParquetFiles;
import dev.ftindex.worker.testing.StagedPartitions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The worker protocol of docs/PROTOCOL.md, against a store supplied by the subclass. */
abstract class WorkerProtocolTest {
    static final SplitRules SMALL_SPLITS = new SplitRules(4 * 1024, 64 * 1024);

    @TempDir
    Path temp;

    ObjectStore store;

    abstract ObjectStore createStore();

    /** Stores for S3 inputs; tests without S3 inputs never call it. */
    Function<StoreLocation.S3, ObjectStore> inputStores() {
        return location -> {
            throw new AssertionError("no S3 inputs expected: " + location);
        };
    }

    @BeforeEach
    void open() {
        store = createStore();
    }

    @AfterEach
    void close() {
        store.close();
    }

    WorkerResult run(ObjectStore index, WorkerConfig config) {
        return new Worker(index, config, inputStores(), Progress.silent()).run();
    }

    WorkerConfig config(List<String> inputs, long partition, Integer partitions) {
        return WorkerConfig.of(TestDocuments.spec(), inputs, partition, Optional.ofNullable(partitions))
                .withThreads(2)
                .withSplitRules(SMALL_SPLITS)
                .withIndexing(16, 1)
                .withWorkDirectory(temp.resolve("work"));
    }

    static Stream<Arguments> partitionCounts() {
        return Stream.of(1, 3, 8).flatMap(n -> Stream.of(Arguments.of(n, "one big file"), Arguments.of(n, "many small files")));
    }

    @ParameterizedTest(name = "{0} partitions, {1}")
    @MethodSource("partitionCounts")
    void theUnionOfAllPartitionsIsTheInputExactly(int partitions, String layout) throws Exception {
        List<String> lines = TestDocuments.lines(0, 3_000, partitions);
        List<String> inputs = new ArrayList<>();
        if (layout.equals("one big file")) {
            inputs.add(TestDocuments.write(temp.resolve("in/big.jsonl"), lines).toString());
        } else {
            for (int f = 0; f < 30; f++) {
                String name = f % 3 == 0 ? "in/part-%02d.jsonl.gz" : "in/part-%02d.jsonl";
                TestDocuments.write(temp.resolve(String.format(name, f)), lines.subList(f * 100, (f + 1) * 100));
            }
            TestDocuments.write(temp.resolve("in/empty.jsonl"), List.of());
            inputs.add(temp.resolve("in").toString());
        }

        List<Callable<WorkerResult>> workers = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            WorkerConfig config = config(inputs, p, partitions);
            workers.add(() -> run(store, config));
        }
        List<WorkerResult> results = runAll(workers, 4);

        List<String> ids = new ArrayList<>();
        long manifestDocs = 0;
        for (int p = 0; p < partitions; p++) {
            ids.addAll(StagedPartitions.ids(store, p, temp.resolve("read")));
            manifestDocs += StoredJson.read(store, IndexLayout.manifestKey(p), PartitionManifest.class).docCount();
        }
        assertThat(results).allSatisfy(result -> assertThat(result.status()).isEqualTo(StageStatus.STAGED));
        assertThat(ids).doesNotHaveDuplicates().hasSize(3_000);
        assertThat(new HashSet<>(ids)).isEqualTo(expectedIds(lines));
        assertThat(manifestDocs).isEqualTo(3_000);
        assertThat(results.stream().mapToLong(WorkerResult::docs).sum()).isEqualTo(3_000);
        if (partitions == 8 && layout.equals("one big file")) {
            assertThat(results).allSatisfy(result -> assertThat(result.docs()).as("every worker got a piece").isPositive());
        }
    }

    @Test
    void batchesAreReusedWithoutMixingDocumentsEvenAroundLinesLongerThanABatch() throws Exception {
        // Documents of every size, three of them longer than a whole batch (about 1 MB), so that
        // reused batches grow, shrink back and are refilled while other threads still index.
        List<String> lines = new ArrayList<>();
        // 12,000 lines are about 24 batches of 512, and no more than 10 are ever out at once
        // (the queue's 6, one per indexing thread, the one being filled): most are reused.
        List<String> normal = TestDocuments.lines(0, 12_000, 7);
        for (int i = 0; i < normal.size(); i++) {
            lines.add(normal.get(i));
            if (i % 4_000 == 700) {
                String contents = ("long-" + i + " ").repeat(300_000);
                lines.add(Json.MAPPER.createObjectNode().put("id", "long-" + i).put("title", "long " + i).put("contents", contents).toString());
            }
        }
        Path file = TestDocuments.write(temp.resolve("in/mixed.jsonl"), lines);

        WorkerResult result = run(store, config(List.of(file.toString()), 0, 1).withThreads(3));

        var documents = StagedPartitions.documents(store, 0, temp.resolve("read"));
        assertThat(result.docs()).isEqualTo(lines.size());
        assertThat(documents.keySet()).isEqualTo(expectedIds(lines));
        for (String line : lines) {
            var expected = Json.MAPPER.readTree(line);
            assertThat(documents.get(expected.get("id").asText()).get("title"))
                    .as("the stored title of %s", expected.get("id").asText()).containsExactly(expected.get("title").asText());
        }
    }

    @Test
    void twoAttemptsOfOnePartitionAtOnceStageExactlyOne() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 2_000, 5));
        for (int round = 0; round < 3; round++) {
            ObjectStore target = round == 0 ? store : createStore();
            CountDownLatch start = new CountDownLatch(1);
            List<Callable<WorkerResult>> attempts = new ArrayList<>();
            for (int a = 0; a < 2; a++) {
                WorkerConfig config = config(List.of(input.toString()), 0, 1).withWorkDirectory(temp.resolve("work-" + round + "-" + a));
                attempts.add(() -> {
                    start.await();
                    return run(target, config);
                });
            }
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<WorkerResult>> futures = new ArrayList<>();
            attempts.forEach(attempt -> futures.add(pool.submit(attempt)));
            start.countDown();
            List<WorkerResult> results = new ArrayList<>();
            for (Future<WorkerResult> future : futures) {
                results.add(future.get());
            }
            pool.shutdown();

            PartitionManifest manifest = StoredJson.read(target, IndexLayout.manifestKey(0), PartitionManifest.class);
            assertThat(results).extracting(WorkerResult::status)
                    .containsAnyOf(StageStatus.STAGED)
                    .filteredOn(status -> !status.equals(StageStatus.STAGED))
                    .singleElement().isIn(StageStatus.LOST_RACE, StageStatus.ALREADY_STAGED);
            assertThat(results).allSatisfy(result -> assertThat(result.attempt()).isEqualTo(manifest.attempt()));
            List<ObjectInfo> stagedFiles = target.list("staging/part_0/");
            assertThat(stagedFiles).isNotEmpty().allSatisfy(object ->
                    assertThat(object.key()).startsWith(IndexLayout.attemptPrefix(0, manifest.attempt())));
            assertThat(stagedFiles).hasSize(manifest.files().size());
            assertThat(target.list("staging/").stream().filter(o -> IndexLayout.manifestPartition(o.key()).isPresent()))
                    .hasSize(1);
            assertThat(StagedPartitions.ids(target, 0, temp.resolve("race-" + round))).hasSize(2_000);
        }
    }

    @Test
    void aCrashAtAnyUploadStepLeavesNoManifestAndARerunStages() throws Exception {
        List<String> lines = TestDocuments.lines(0, 500, 9);
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), lines);
        WorkerConfig config = config(List.of(input.toString()), 0, 1);
        FaultInjectingObjectStore counting = FaultInjectingObjectStore.wrap(createStore()).build();
        run(counting, config);
        int mutations = counting.mutatingCalls();
        assertThat(mutations).as("uploads plus the manifest").isGreaterThanOrEqualTo(3);

        for (int k = 1; k <= mutations; k++) {
            for (boolean after : new boolean[] {false, true}) {
                ObjectStore target = createStore();
                FaultInjectingObjectStore.Builder faults = FaultInjectingObjectStore.wrap(target);
                FaultInjectingObjectStore crashing = (after ? faults.crashAfter(k) : faults.crashBefore(k)).build();

                assertThatThrownBy(() -> run(crashing, config)).isInstanceOf(InjectedCrash.class);

                boolean manifestWritten = after && k == mutations;
                String what = (after ? "after" : "before") + " mutating call " + k;
                if (manifestWritten) {
                    assertThat(target.head(IndexLayout.manifestKey(0)).size()).as(what).isPositive();
                } else {
                    assertThatThrownBy(() -> target.head(IndexLayout.manifestKey(0))).as(what).isInstanceOf(ObjectNotFoundException.class);
                }

                WorkerResult rerun = run(target, config);

                assertThat(rerun.status()).as(what).isEqualTo(manifestWritten ? StageStatus.ALREADY_STAGED : StageStatus.STAGED);
                assertThat(new HashSet<>(StagedPartitions.ids(target, 0, temp.resolve("crash-" + k + "-" + after))))
                        .as(what).isEqualTo(expectedIds(lines));
            }
        }
    }

    @Test
    void anAmbiguousManifestWriteIsResolvedByReadingItBack() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 300, 3));
        WorkerConfig config = config(List.of(input.toString()), 0, 1);
        FaultInjectingObjectStore counting = FaultInjectingObjectStore.wrap(createStore()).build();
        run(counting, config);
        int manifestCall = counting.mutatingCalls();

        FaultInjectingObjectStore ambiguous = FaultInjectingObjectStore.wrap(store).ambiguousAt(manifestCall).build();
        WorkerResult result = run(ambiguous, config);

        assertThat(result.status()).isEqualTo(StageStatus.STAGED);
        assertThat(StoredJson.read(store, IndexLayout.manifestKey(0), PartitionManifest.class).attempt()).isEqualTo(result.attempt());
    }

    @Test
    void aFailedUploadRemovesItsFilesAndStagesNothing() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 300, 3));
        FaultInjectingObjectStore failing = FaultInjectingObjectStore.wrap(store).ambiguousAt(2).build();

        assertThatThrownBy(() -> run(failing, config(List.of(input.toString()), 0, 1).withUploadConcurrency(1)))
                .isInstanceOf(TransientStorageException.class);

        assertThat(store.list("staging/")).isEmpty();
    }

    @Test
    void anEmptyShareIsAValidPartitionWithNoDocuments() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 5, 1));

        List<WorkerResult> results = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            results.add(run(store, config(List.of(input.toString()), p, 4)));
        }

        assertThat(results).extracting(WorkerResult::docs).containsExactlyInAnyOrder(5L, 0L, 0L, 0L);
        for (int p = 0; p < 4; p++) {
            PartitionManifest manifest = StoredJson.read(store, IndexLayout.manifestKey(p), PartitionManifest.class);
            assertThat(StagedPartitions.ids(store, p, temp.resolve("empty"))).hasSize((int) manifest.docCount());
            assertThat(manifest.files()).isNotEmpty();
        }
    }

    @Test
    void aCommittedIndexIsRefusedBeforeAnyWork() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 5, 1));
        store.put(IndexLayout.METADATA, Payload.of("{}".getBytes(UTF_8)));
        long before = store.metrics().snapshot().total();

        assertThatThrownBy(() -> run(store, config(List.of(input.toString()), 0, 1)))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("is a committed index")
                .hasMessageContaining("new index root");

        assertThat(store.metrics().snapshot().total() - before).as("one look at metadata.lance").isEqualTo(1);
        assertThat(store.list("staging/")).isEmpty();
    }

    @Test
    void anAlreadyStagedPartitionIsSuccessWithoutWork() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 50, 1));
        WorkerResult first = run(store, config(List.of(input.toString()), 0, 1));
        var before = store.metrics().snapshot();

        WorkerResult second = run(store, config(List.of("/does/not/matter.jsonl"), 0, 1));

        assertThat(second.status()).isEqualTo(StageStatus.ALREADY_STAGED);
        assertThat(second.attempt()).isEqualTo(first.attempt());
        assertThat(second.docs()).isEqualTo(50);
        var requests = store.metrics().snapshot().minus(before);
        assertThat(requests.total()).as("a head of metadata.lance and a read of the manifest").isLessThanOrEqualTo(2);
    }

    @Test
    void theWorkDirectoryIsRemoved() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 50, 1));
        Path work = temp.resolve("work-check");

        run(store, config(List.of(input.toString()), 0, 1).withWorkDirectory(work));

        try (Stream<Path> left = Files.list(work)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aWorkerThatStagesAfterACommitWithoutItIsAConflictAndCleansUp() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 50, 1));
        // Another finalizer commits (without this partition) while this worker uploads.
        PartitionManifest other = new PartitionManifest(PartitionManifest.FORMAT, PartitionManifest.VERSION, 1, "other-1", null, 0,
                "10.6.0", TestDocuments.spec(), TestDocuments.spec().fingerprint(),
                new PartitionManifest.InputDescription("x", "sha256:x", 0, 0, 0),
                List.of(new dev.ftindex.format.FileEntry("segments_1", 100, 1)), null, 0, null, "now", null);
        byte[] metadata = Json.writeChecksummed(IndexMetadata.fromPlan(FinalizePlan.create(List.of(other), null, dev.ftindex.format.CountSource.STAGED)));
        ObjectStore committingMeanwhile = new CommitOnManifest(store, metadata);

        assertThatThrownBy(() -> run(committingMeanwhile, config(List.of(input.toString()), 0, 1)))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("was committed")
                .hasMessageContaining("not in the index");

        assertThat(store.list("staging/")).isEmpty();
    }

    @Test
    void aWorkerThatStagesAfterACommitHoldingItsPartitionLostTheRace() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 50, 1));
        PartitionManifest winner = new PartitionManifest(PartitionManifest.FORMAT, PartitionManifest.VERSION, 0, "winner-1", null, 50,
                "10.6.0", TestDocuments.spec(), TestDocuments.spec().fingerprint(),
                new PartitionManifest.InputDescription("x", "sha256:x", 0, 0, 0),
                List.of(new dev.ftindex.format.FileEntry("segments_1", 100, 1)), null, 0, null, "now", null);
        byte[] metadata = Json.writeChecksummed(IndexMetadata.fromPlan(FinalizePlan.create(List.of(winner), null, dev.ftindex.format.CountSource.STAGED)));

        WorkerResult result = run(new CommitOnManifest(store, metadata), config(List.of(input.toString()), 0, 1));

        assertThat(result.status()).isEqualTo(StageStatus.LOST_RACE);
        assertThat(store.list("staging/")).as("this attempt's manifest and files are removed").isEmpty();
    }

    // Bad input: each case fails with the input's name and line, and stages nothing.

    @Test
    void aMalformedJsonLineFailsWithItsLine() throws Exception {
        assertBadInput(List.of(line(0), line(1), "{\"id\": \"x\", \"title\": ", line(3)), "in.jsonl:3: invalid JSON");
    }

    @Test
    void aRecordWithoutIdFailsWithItsLine() throws Exception {
        assertBadInput(List.of(line(0), "{\"title\": \"no id\"}"), "in.jsonl:2: missing id field 'id'");
    }

    @Test
    void aWrongTypeFailsWithItsLineAndField() throws Exception {
        assertBadInput(List.of(line(0), line(1), line(2), "{\"id\": \"x\", \"year\": \"nineteen\"}"),
                "in.jsonl:4: field 'year' is long: expected an integer, found a string");
    }

    @Test
    void invalidUtf8FailsWithItsLine() throws Exception {
        Path file = temp.resolve("in.jsonl");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write((line(0) + "\n").getBytes(UTF_8));
            out.write(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}', '\n'});
        }
        assertBadInput(file, "in.jsonl:2: invalid JSON: Invalid UTF-8");
    }

    @Test
    void aTruncatedGzipFileFails() throws Exception {
        Path whole = TestDocuments.write(temp.resolve("whole.jsonl.gz"), TestDocuments.lines(0, 2_000, 4));
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = Files.write(temp.resolve("in.jsonl.gz"), Arrays.copyOf(bytes, bytes.length / 2));

        assertBadInput(truncated, "in.jsonl.gz: truncated or corrupt gzip data");
    }

    @Test
    void badRecordsCanBeSkippedAndAreReported() throws Exception {
        Path file = TestDocuments.write(temp.resolve("in.jsonl"),
                List.of(line(0), "not json", line(2), "{\"title\": \"x\"}", line(4), line(5)));

        WorkerResult result = run(store, config(List.of(file.toString()), 0, 1).withSkipBadRecords(true));

        assertThat(result.docs()).isEqualTo(4);
        assertThat(result.skipped().count()).isEqualTo(2);
        assertThat(result.skipped().first()).hasSize(2).anySatisfy(location -> assertThat(location).contains("in.jsonl:2: invalid JSON"))
                .anySatisfy(location -> assertThat(location).contains("in.jsonl:4: missing id field"));
        assertThat(StoredJson.read(store, IndexLayout.manifestKey(0), PartitionManifest.class).skippedRecords()).isEqualTo(2);
    }

    @Test
    void anIdThatOccursTwiceFailsNamingItAndBothLines() throws Exception {
        String first = line(7);
        Path file = TestDocuments.write(temp.resolve("in.jsonl"), List.of(line(1), first, line(2), first.replace("\"title\":\"", "\"title\":\"again ")));

        assertBadInput(file, "partition 0: 1 id occurs more than once (2 records): \"doc-7\" at " + file + ":2, " + file + ":4");
        assertThatThrownBy(() -> run(store, config(List.of(file.toString()), 0, 1)))
                .hasMessageContaining("--allow-duplicate-ids");
    }

    @Test
    void duplicateIdsAreNamedUpToTenAndCountedBeyond() throws Exception {
        List<String> lines = new ArrayList<>(TestDocuments.lines(0, 30, 3));
        lines.addAll(TestDocuments.lines(0, 12, 4));
        Path file = TestDocuments.write(temp.resolve("in.jsonl"), lines);

        assertBadInput(file, "12 ids occur more than once (24 records)");
        assertThatThrownBy(() -> run(store, config(List.of(file.toString()), 0, 1)))
                .hasMessageContaining("\"doc-0\" at " + file + ":1, " + file + ":31")
                .hasMessageContaining("; and 2 more");
    }

    @Test
    void allowedDuplicateIdsAreAllIndexedAndCounted() throws Exception {
        List<String> lines = new ArrayList<>(TestDocuments.lines(0, 20, 3));
        lines.addAll(TestDocuments.lines(5, 3, 4));
        Path file = TestDocuments.write(temp.resolve("in.jsonl"), lines);

        WorkerResult result = run(store, config(List.of(file.toString()), 0, 1).withAllowDuplicateIds(true));

        assertThat(result.status()).isEqualTo(StageStatus.STAGED);
        assertThat(result.docs()).isEqualTo(23);
        assertThat(result.duplicates()).isEqualTo(new WorkerResult.Duplicates(3, true));
        assertThat(StoredJson.read(store, IndexLayout.manifestKey(0), PartitionManifest.class).duplicateIds()).isEqualTo(3);
        assertThat(StagedPartitions.ids(store, 0, temp.resolve("read"))).filteredOn("doc-6"::equals).hasSize(2);
    }

    @Test
    void aPartitionWithUniqueIdsRecordsNoDuplicates() throws Exception {
        Path file = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 50, 3));

        WorkerResult result = run(store, config(List.of(file.toString()), 0, 1));

        assertThat(result.duplicates()).isEqualTo(new WorkerResult.Duplicates(0, false));
        assertThat(StoredJson.read(store, IndexLayout.manifestKey(0), PartitionManifest.class).duplicateIds()).isNull();
    }

    @ParameterizedTest(name = "{0} named {1}")
    @MethodSource("compressedInputs")
    void compressedInputIsRecognisedByItsContentWhateverItsName(String codec, String name) throws Exception {
        List<String> lines = TestDocuments.lines(0, 3_000, 9);
        Path file = compress(temp.resolve("in/" + name), lines, codec);
        List<Callable<WorkerResult>> workers = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            WorkerConfig config = config(List.of(file.toString()), p, 3);
            workers.add(() -> run(store, config));
        }

        List<WorkerResult> results = runAll(workers, 3);

        List<String> ids = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            ids.addAll(StagedPartitions.ids(store, p, temp.resolve("read")));
        }
        assertThat(ids).doesNotHaveDuplicates().hasSize(3_000);
        assertThat(new HashSet<>(ids)).isEqualTo(expectedIds(lines));
        assertThat(results.stream().filter(result -> result.docs() > 0)).as("a compressed file is never cut").hasSize(1);
    }

    static Stream<Arguments> compressedInputs() {
        return Stream.of(Arguments.of("gzip", "docs.jsonl"), Arguments.of("zstd", "docs.jsonl.zst"), Arguments.of("zstd", "docs.jsonl"),
                Arguments.of("gzip", "docs.json.gz"), Arguments.of("zstd", "noextension"));
    }

    @Test
    void aZstdFileOfSeveralFramesIsReadWhole() throws Exception {
        Path file = temp.resolve("in.jsonl.zst");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int frame = 0; frame < 3; frame++) {
                out.write(zstd(String.join("\n", TestDocuments.lines(frame * 100, 100, frame)) + "\n"));
            }
        }

        WorkerResult result = run(store, config(List.of(file.toString()), 0, 1));

        assertThat(result.docs()).isEqualTo(300);
    }

    @Test
    void aTruncatedZstdFileFails() throws Exception {
        Path whole = compress(temp.resolve("whole.jsonl.zst"), TestDocuments.lines(0, 2_000, 4), "zstd");
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = Files.write(temp.resolve("in.jsonl.zst"), Arrays.copyOf(bytes, bytes.length / 2));

        assertBadInput(truncated, "in.jsonl.zst: truncated or corrupt zstd data");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadableFormats")
    void otherFormatsFailNamingTheFileAndWhatItLooksLike(String format, byte[] head) throws Exception {
        byte[] content = Arrays.copyOf(head, 64 * 1024);
        Path file = Files.write(temp.resolve("docs.jsonl"), content);

        assertBadInput(file, "docs.jsonl: this is " + format);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadableFormats")
    void otherFormatsFailAlsoWhenLargeEnoughToSplit(String format, byte[] head) throws Exception {
        byte[] content = Arrays.copyOf(head, 200 * 1024);
        Path file = Files.write(temp.resolve("docs.jsonl"), content);

        assertThatThrownBy(() -> run(store, config(List.of(file.toString()), 1, 4)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file + ": this is " + format);
        assertThat(store.list("")).as("nothing staged").isEmpty();
    }

    static Stream<Arguments> unreadableFormats() {
        return Stream.of(
                Arguments.of("xz-compressed data", new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4}),
                Arguments.of("bzip2-compressed data", new byte[] {'B', 'Z', 'h', '9', '1', 'A', 'Y'}),
                Arguments.of("a zip archive", new byte[] {'P', 'K', 3, 4, 20, 0}),
                Arguments.of("lz4-compressed data", new byte[] {0x04, 0x22, 0x4d, 0x18, 0x64}));
    }

    static Path compress(Path file, List<String> lines, String codec) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] text = (String.join("\n", lines) + "\n").getBytes(UTF_8);
        if (codec.equals("zstd")) {
            return Files.write(file, zstd(new String(text, UTF_8)));
        }
        try (OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text);
        }
        return file;
    }

    static byte[] zstd(String text) {
        return com.github.luben.zstd.Zstd.compress(text.getBytes(UTF_8), 3);
    }

    // Parquet input.

    @ParameterizedTest(name = "{0} partitions")
    @ValueSource(ints = {1, 3, 5})
    void parquetRowGroupsAreDealtToPartitionsAndEveryRowLandsOnce(int partitions) throws Exception {
        // DuckDB writes row groups of 2,048 rows at least: six of them here.
        List<String> lines = TestDocuments.lines(0, 12_000, 21);
        Path file = ParquetFiles.fromJsonLines(temp.resolve("in/docs.parquet"), lines, 2_048, "zstd");
        ParquetFiles.fromJsonLines(temp.resolve("in/more.parquet"), TestDocuments.lines(12_000, 500, 22), 2_048, "snappy");
        // Ranges of a fifth, a third... of the big file: each holds the middle of a row group.
        SplitRules rules = new SplitRules(1, Files.size(file) / partitions + 1);
        List<Callable<WorkerResult>> workers = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            WorkerConfig config = config(List.of(temp.resolve("in").toString()), p, partitions).withSplitRules(rules);
            workers.add(() -> run(store, config));
        }

        List<WorkerResult> results = runAll(workers, 3);

        List<String> ids = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ids.addAll(StagedPartitions.ids(store, p, temp.resolve("read")));
        }
        assertThat(ids).doesNotHaveDuplicates().hasSize(12_500);
        assertThat(new HashSet<>(ids)).containsAll(expectedIds(lines));
        assertThat(results.stream().mapToLong(WorkerResult::docs).sum()).isEqualTo(12_500);
        assertThat(results).allSatisfy(result -> assertThat(result.docs()).as("the big file spreads over every worker").isPositive());
        assertThat(file).exists();
    }

    @Test
    void parquetAndJsonLinesGiveTheSameDocuments() throws Exception {
        List<String> lines = TestDocuments.lines(0, 800, 23);
        Path jsonl = TestDocuments.write(temp.resolve("in.jsonl"), lines);
        Path parquet = ParquetFiles.fromJsonLines(temp.resolve("in.parquet"), lines, 256, "gzip");
        ObjectStore other = createStore();

        run(store, config(List.of(jsonl.toString()), 0, 1));
        run(other, config(List.of(parquet.toString()), 0, 1));

        PartitionManifest fromJson = StoredJson.read(store, IndexLayout.manifestKey(0), PartitionManifest.class);
        PartitionManifest fromParquet = StoredJson.read(other, IndexLayout.manifestKey(0), PartitionManifest.class);
        assertThat(fromParquet.docCount()).isEqualTo(fromJson.docCount());
        assertThat(fromParquet.fieldStats()).as("the statistics BM25 scores with").isEqualTo(fromJson.fieldStats());
        assertThat(StagedPartitions.documents(other, 0, temp.resolve("p"))).isEqualTo(StagedPartitions.documents(store, 0, temp.resolve("j")));
        other.close();
    }

    @Test
    void everyMappedParquetTypeNullsListsAndStructs() throws Exception {
        Path file = ParquetFiles.query(temp.resolve("typed.parquet"), """
                SELECT * FROM (VALUES
                  (1::BIGINT, 'first'::VARCHAR, ['a', 'b']::VARCHAR[], 7::TINYINT, 8::SMALLINT, 9::INTEGER, 10::UBIGINT, 1.5::FLOAT,
                   2.25::DOUBLE, 12.50::DECIMAL(10, 2), 42::DECIMAL(18, 0), DATE '2020-01-02', TIMESTAMP '2020-01-02 03:04:05.678',
                   {'name': 'ada', 'age': 36}, [1, 2, 3]::BIGINT[], 'x'::BLOB),
                  (2, NULL, [], NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, {'name': NULL, 'age': NULL}, NULL, NULL),
                  (3, 'third', NULL, -1, -2, -3, 18446744073709551615, NULL, NULL, -0.01, NULL, DATE '1969-12-31', NULL, NULL, [NULL, 5], NULL)
                ) AS t(id, title, tags, tiny, small, medium, unsigned, f, d, money, whole, day, stamp, author, numbers, raw)
                """, 2, "zstd");
        IndexSpec spec = IndexSpec.parse("""
                {"idField": "id", "fields": {
                  "title": {"type": "text", "stored": true}, "tags": {"type": "keyword", "stored": true},
                  "tiny": {"type": "long", "stored": true}, "small": {"type": "long", "stored": true},
                  "medium": {"type": "double", "stored": true}, "f": {"type": "double", "stored": true},
                  "d": {"type": "double", "stored": true}, "money": {"type": "double", "stored": true},
                  "whole": {"type": "long", "stored": true}, "day": {"type": "long", "stored": true},
                  "stamp": {"type": "long", "stored": true}, "author.name": {"type": "keyword", "stored": true},
                  "author.age": {"type": "long", "stored": true}, "numbers": {"type": "long", "stored": true},
                  "raw": {"type": "text", "stored": true}, "unsigned": {"type": "long", "stored": true}}}
                """.getBytes(UTF_8), "typed spec");

        WorkerResult result = run(store, WorkerConfig.builder(spec, List.of(file.toString()), 0).threads(2).ramBufferMb(16)
                .workDirectory(Optional.of(temp.resolve("work"))).skipBadRecords(true).build());

        var documents = StagedPartitions.documents(store, 0, temp.resolve("read"));
        assertThat(documents.keySet()).containsExactly("1", "2");
        assertThat(documents.get("1")).containsEntry("title", List.of("first")).containsEntry("tags", List.of("a", "b"))
                .containsEntry("tiny", List.of(7L)).containsEntry("small", List.of(8L)).containsEntry("medium", List.of(9.0))
                .containsEntry("f", List.of(1.5)).containsEntry("d", List.of(2.25)).containsEntry("money", List.of(12.5))
                .containsEntry("whole", List.of(42L)).containsEntry("day", List.of(18263L))
                .containsEntry("stamp", List.of(1577934245678L)).containsEntry("author.name", List.of("ada"))
                .containsEntry("author.age", List.of(36L)).containsEntry("numbers", List.of(1L, 2L, 3L)).containsEntry("raw", List.of("x"))
                .containsEntry("unsigned", List.of(10L));
        assertThat(documents.get("2")).as("nulls and empty lists are absent").containsOnlyKeys("id");
        assertThat(result.skipped().count()).as("unsigned 18446744073709551615 does not fit a long").isEqualTo(1);
        assertThat(result.skipped().first()).singleElement().satisfies(where -> assertThat(where)
                .contains(file + ": row group 0, row 2: ").contains("18446744073709551615 is out of range for a long"));
    }

    @Test
    void aSpecThatDoesNotFitTheParquetSchemaFailsBeforeIndexing() throws Exception {
        Path file = ParquetFiles.query(temp.resolve("shape.parquet"),
                "SELECT 1 AS id, true AS flag, 'x' AS title, MAP {'k': 1} AS attributes, [[1]] AS nested", 10, "snappy");
        IndexSpec spec = IndexSpec.parse("""
                {"idField": "id", "fields": {"title": {"type": "long"}, "flag": {"type": "text"}, "attributes": {"type": "keyword"},
                 "nested": {"type": "long"}, "absent": {"type": "text"}}}
                """.getBytes(UTF_8), "spec");

        assertThatThrownBy(() -> run(store, WorkerConfig.builder(spec, List.of(file.toString()), 0).threads(1)
                .workDirectory(Optional.of(temp.resolve("work"))).build()))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file + ": the spec does not fit the file's schema")
                .hasMessageContaining("column 'title' is required byte_array (STRING), which a long field cannot hold")
                .hasMessageContaining("column 'flag' is required boolean, which a text field cannot hold")
                .hasMessageContaining("column 'attributes' is a map")
                .hasMessageContaining("column 'nested' is a list of lists")
                .hasMessageContaining("column 'absent' is missing from the file (top-level columns: id, flag, title, attributes, nested)");
        assertThat(store.list("")).as("nothing staged").isEmpty();
    }

    @Test
    void aDamagedParquetFileFailsNamingIt() throws Exception {
        Path whole = ParquetFiles.fromJsonLines(temp.resolve("whole.parquet"), TestDocuments.lines(0, 1_000, 3), 200, "zstd");
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(temp.resolve("cut.parquet"), Arrays.copyOf(bytes, bytes.length / 2));
        byte[] flipped = bytes.clone();
        for (int i = 200; i < 260; i++) {
            flipped[i] ^= (byte) 0x5a;
        }
        Path damaged = Files.write(temp.resolve("damaged.parquet"), flipped);

        assertBadInput(cut, "cut.parquet: cannot read the Parquet file");
        assertThatThrownBy(() -> run(store, config(List.of(damaged.toString()), 0, 1)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("damaged.parquet");
        assertThat(store.list("")).as("nothing staged").isEmpty();
    }

    @Test
    void aParquetFileThatChangesWhileItIsReadFailsAndOneThatCannotBeReachedIsTransient() throws Exception {
        Path file = ParquetFiles.fromJsonLines(temp.resolve("docs.parquet"), TestDocuments.lines(0, 3_000, 5), 2_048, "zstd");
        Path other = ParquetFiles.fromJsonLines(temp.resolve("other.parquet"), TestDocuments.lines(0, 3_100, 6), 2_048, "zstd");
        ObjectStore bucket = InMemoryObjectStore.create();
        bucket.put("docs.parquet", Payload.of(file));
        AtomicInteger reads = new AtomicInteger();
        ObjectStore replacedAfterTheFooter = new DelegatingStore(bucket) {
            @Override
            public ObjectStream get(String key, ByteRange range) {
                if (reads.incrementAndGet() == 3) {
                    delegate.put(key, Payload.of(other));
                }
                return delegate.get(key, range);
            }
        };
        WorkerConfig config = config(List.of("s3://bucket/docs.parquet"), 0, 1);

        assertThatThrownBy(() -> new Worker(store, config, location -> replacedAfterTheFooter, Progress.silent()).run())
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("docs.parquet changed while it was read");

        ObjectStore unreachable = new DelegatingStore(bucket) {
            @Override
            public ObjectStream get(String key, ByteRange range) {
                if (range instanceof ByteRange.Span span && span.offset() > 4) {
                    throw new TransientStorageException(location(), key, "503 SlowDown", null);
                }
                return delegate.get(key, range);
            }
        };
        assertThatThrownBy(() -> new Worker(store, config, location -> unreachable, Progress.silent()).run())
                .isInstanceOf(TransientStorageException.class)
                .hasMessageContaining("503 SlowDown");
        assertThat(store.list("")).as("nothing staged").isEmpty();
    }

    @Test
    void duplicateIdsInParquetAreNamedByRowGroupAndRow() throws Exception {
        // DuckDB writes row groups of 2,048 rows at least.
        List<String> lines = new ArrayList<>(TestDocuments.lines(0, 2_100, 3));
        lines.add(lines.get(2));
        Path file = ParquetFiles.fromJsonLines(temp.resolve("dups.parquet"), lines, 2_048, "zstd");

        assertBadInput(file, "\"doc-2\" at " + file + ": row group 0, row 2, " + file + ": row group 1, row 52");
    }

    @Test
    void aMissingInputIsAnError() {
        assertThatThrownBy(() -> run(store, config(List.of(temp.resolve("nope.jsonl").toString()), 0, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope.jsonl")
                .hasMessageContaining("does not exist");
        assertThat(store.list("")).isEmpty();
    }

    private void assertBadInput(List<String> lines, String message) throws IOException {
        assertBadInput(TestDocuments.write(temp.resolve("in.jsonl"), lines), message);
    }

    private void assertBadInput(Path file, String message) {
        assertThatThrownBy(() -> run(store, config(List.of(file.toString()), 0, 1)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.getParent().toString())
                .hasMessageContaining(message);
        assertThat(store.list("")).as("nothing staged").isEmpty();
    }

    private static String line(int i) {
        return TestDocuments.lines(i, 1, i).getFirst();
    }

    static Set<String> expectedIds(List<String> lines) {
        Set<String> ids = new HashSet<>();
        for (String line : lines) {
            ids.add(Json.read(line.getBytes(UTF_8), com.fasterxml.jackson.databind.JsonNode.class).get("id").asText());
        }
        return ids;
    }

    static <T> List<T> runAll(List<Callable<T>> tasks, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<T>> futures = new ArrayList<>();
            tasks.forEach(task -> futures.add(pool.submit(task)));
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A store that, as the worker creates its manifest, sees a finalizer commit the index. */
    private static final class CommitOnManifest extends DelegatingStore {
        private final byte[] metadata;

        CommitOnManifest(ObjectStore delegate, byte[] metadata) {
            super(delegate);
            this.metadata = metadata;
        }

        @Override
        public ObjectInfo putIfAbsent(String key, Payload payload) {
            ObjectInfo info = super.putIfAbsent(key, payload);
            if (IndexLayout.manifestPartition(key).isPresent()) {
                delegate.putIfAbsent(IndexLayout.METADATA, Payload.of(metadata));
            }
            return info;
        }
    }
}
