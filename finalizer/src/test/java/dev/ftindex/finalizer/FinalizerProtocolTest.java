package dev.ftindex.finalizer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.CountSource;
import dev.ftindex.format.IdList;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.PartitionsMissingException;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.CorruptObjectException;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.StorageException;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.FaultInjectingObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.objectstore.testing.InjectedCrash;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import dev.ftindex.worker.testing.StagedPartitions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The finalizer protocol of docs/PROTOCOL.md, against a store supplied by the subclass. */
abstract class FinalizerProtocolTest {
    static final int PARTITIONS = 3;
    static final int DOCS = 900;

    /** Three partitions staged once by real workers; every test starts from a copy of it. */
    static ObjectStore template;
    static Map<String, byte[]> reference;

    @TempDir
    Path temp;

    private final List<ObjectStore> opened = new ArrayList<>();

    /** A new, empty store of the kind under test. */
    abstract ObjectStore createStore();

    @BeforeAll
    static synchronized void stageTemplate() throws IOException {
        if (template != null) {
            return;
        }
        Path scratch = java.nio.file.Files.createTempDirectory("ftindex-template");
        ObjectStore staged = InMemoryObjectStore.create();
        stage(staged, scratch, 0, DOCS, PARTITIONS, TestDocuments.spec(), Optional.of(PARTITIONS));
        ObjectStore undisturbed = copyOf(staged, InMemoryObjectStore.create());
        finalizer(undisturbed, FinalizerConfig.defaults()).run();
        reference = committedState(undisturbed);
        template = staged;
        try (var files = java.nio.file.Files.walk(scratch)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @AfterEach
    void closeStores() {
        opened.forEach(ObjectStore::close);
    }

    /**
     * Runs real workers for partitions 0..partitions-1 over generated documents. With a count,
     * they share one input; without one, each is given its own input file, as workers that are
     * not told a count must be.
     */
    static void stage(ObjectStore store, Path scratch, int firstDoc, int docs, int partitions, IndexSpec spec,
                      Optional<Integer> count) throws IOException {
        Path shared = TestDocuments.write(scratch.resolve("input-" + firstDoc + "-" + docs + ".jsonl"), TestDocuments.lines(firstDoc, docs, 17));
        int each = docs / partitions;
        for (int p = 0; p < partitions; p++) {
            Path input = count.isPresent() ? shared
                    : TestDocuments.write(scratch.resolve("input-" + firstDoc + "-p" + p + ".jsonl"), TestDocuments.lines(firstDoc + p * each, each, 17 + p));
            WorkerConfig config = WorkerConfig.of(spec, List.of(input.toString()), p, count)
                    .withThreads(2).withIndexing(16, 1).withWorkDirectory(scratch.resolve("work"))
                    .withSplitRules(new dev.ftindex.worker.Assignment.SplitRules(4 * 1024, 64 * 1024));
            new Worker(store, config, location -> {
                throw new AssertionError(location);
            }, Progress.silent()).run();
        }
    }

    static Finalizer finalizer(ObjectStore store, FinalizerConfig config) {
        return new Finalizer(store, config, Progress.silent());
    }

    static ObjectStore copyOf(ObjectStore source, ObjectStore target) throws IOException {
        for (ObjectInfo object : source.list("")) {
            try (ObjectStream stream = source.get(object.key())) {
                target.put(object.key(), Payload.of(stream.readAllRemaining()));
            }
        }
        return target;
    }

    /** Every object outside staging/, by key, with its bytes. */
    static Map<String, byte[]> committedState(ObjectStore store) throws IOException {
        Map<String, byte[]> state = new TreeMap<>();
        for (ObjectInfo object : store.list("")) {
            if (!object.key().startsWith(IndexLayout.STAGING)) {
                try (ObjectStream stream = store.get(object.key())) {
                    state.put(object.key(), stream.readAllRemaining());
                }
            }
        }
        return state;
    }

    ObjectStore staged() throws IOException {
        ObjectStore store = copyOf(template, createStore());
        opened.add(store);
        return store;
    }

    ObjectStore empty() {
        ObjectStore store = createStore();
        opened.add(store);
        return store;
    }

    /** The store holds exactly the reference commit and nothing under staging/. */
    void assertConverged(ObjectStore store, String what) throws IOException {
        Map<String, byte[]> state = committedState(store);
        assertThat(state.keySet()).as(what).isEqualTo(reference.keySet());
        state.forEach((key, bytes) -> assertThat(bytes).as(what + ": " + key).isEqualTo(reference.get(key)));
        IndexMetadata metadata = StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class);
        assertThat(metadata.files()).as(what).noneMatch(file -> file.key().startsWith(IndexLayout.STAGING));
        assertThat(store.list(IndexLayout.STAGING)).as(what + ": staging/ is cleaned up").isEmpty();
    }

    @Test
    void aStagedIndexIsCommittedCompletely() throws IOException {
        ObjectStore store = staged();

        FinalizeResult result = finalizer(store, FinalizerConfig.defaults()).run();

        assertThat(result.status()).isEqualTo(FinalizeResult.Status.COMMITTED);
        assertThat(result.index().partitions()).isEqualTo(PARTITIONS);
        assertThat(result.docs()).isEqualTo(DOCS);
        assertThat(result.planning().partitionCount()).isEqualTo(CountSource.MANIFESTS);
        assertThat(result.copies().filesCopied()).isEqualTo(result.index().files());
        assertThat(result.cleanup().failures()).isEmpty();
        assertThat(result.run().requests().byOperation()).isNotEmpty();
        assertConverged(store, "undisturbed");
        IndexMetadata metadata = StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class);
        List<String> ids = new ArrayList<>();
        for (IndexMetadata.CommittedPartition partition : metadata.partitions()) {
            Path directory = temp.resolve("part_" + partition.n());
            java.nio.file.Files.createDirectories(directory);
            for (var file : partition.files()) {
                try (ObjectStream stream = store.get(partition.key(file))) {
                    java.nio.file.Files.copy(stream, directory.resolve(file.name()));
                }
            }
            ids.addAll(StagedPartitions.ids(directory, "id"));
        }
        assertThat(ids).hasSize(DOCS).doesNotHaveDuplicates();
    }

    @Test
    void aRerunOnACommittedIndexCostsAConstantNumberOfRequests() throws IOException {
        ObjectStore store = staged();
        finalizer(store, FinalizerConfig.defaults()).run();
        var before = store.metrics().snapshot();

        FinalizeResult again = finalizer(store, FinalizerConfig.defaults()).run();

        var requests = store.metrics().snapshot().minus(before);
        assertThat(again.status()).isEqualTo(FinalizeResult.Status.ALREADY_COMMITTED);
        assertThat(again.indexId()).isEqualTo(StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class).indexId());
        // Read metadata.lance, list staging/ (empty): nothing that grows with the index.
        assertThat(requests.total()).isLessThanOrEqualTo(2);
        assertThat(again.run().requests().total()).isLessThanOrEqualTo(2);
        assertConverged(store, "rerun");
    }

    @Test
    void aCrashBeforeOrAfterEveryMutatingCallConvergesOnRerun() throws IOException {
        FaultInjectingObjectStore counting = FaultInjectingObjectStore.wrap(staged()).build();
        finalizer(counting, FinalizerConfig.defaults().withConcurrency(1)).run();
        int mutations = counting.mutatingCalls();
        assertThat(mutations).as("plan, copies, metadata, cleanup").isGreaterThanOrEqualTo(PARTITIONS * 3 + 3);

        for (int k = 1; k <= mutations; k++) {
            for (boolean after : new boolean[] {false, true}) {
                String what = "crash " + (after ? "after" : "before") + " mutating call " + k;
                ObjectStore store = staged();
                FaultInjectingObjectStore.Builder faults = FaultInjectingObjectStore.wrap(store);
                FaultInjectingObjectStore crashing = (after ? faults.crashAfter(k) : faults.crashBefore(k)).build();

                assertThatThrownBy(() -> finalizer(crashing, FinalizerConfig.defaults().withConcurrency(1)).run())
                        .as(what).isInstanceOf(InjectedCrash.class);

                FinalizeResult rerun = finalizer(store, FinalizerConfig.defaults()).run();
                assertThat(rerun.indexId()).as(what).isEqualTo(indexId(reference));
                assertConverged(store, what);
            }
        }
    }

    @Test
    void anAmbiguousOutcomeAtEveryMutatingCallConvergesOnRerun() throws IOException {
        FaultInjectingObjectStore counting = FaultInjectingObjectStore.wrap(staged()).build();
        finalizer(counting, FinalizerConfig.defaults().withConcurrency(1)).run();
        int mutations = counting.mutatingCalls();

        for (int k = 1; k <= mutations; k++) {
            String what = "ambiguous mutating call " + k;
            ObjectStore store = staged();
            FaultInjectingObjectStore ambiguous = FaultInjectingObjectStore.wrap(store).ambiguousAt(k).build();
            try {
                FinalizeResult first = finalizer(ambiguous, FinalizerConfig.defaults().withConcurrency(1)).run();
                assertThat(first.indexId()).as(what).isEqualTo(indexId(reference));
            } catch (StorageException e) {
                assertThat(e).as(what).isInstanceOf(dev.ftindex.objectstore.TransientStorageException.class);
            }

            FinalizeResult rerun = finalizer(store, FinalizerConfig.defaults()).run();
            assertThat(rerun.indexId()).as(what).isEqualTo(indexId(reference));
            assertConverged(store, what);
        }
    }

    @Test
    void eightConcurrentFinalizersAgreeOnOneCommit() throws Exception {
        for (int round = 0; round < rounds(); round++) {
            ObjectStore store = staged();
            CountDownLatch start = new CountDownLatch(1);
            List<Callable<FinalizeResult>> finalizers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                finalizers.add(() -> {
                    start.await();
                    return finalizer(store, FinalizerConfig.defaults().withConcurrency(4)).run();
                });
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<FinalizeResult>> futures = new ArrayList<>();
            finalizers.forEach(f -> futures.add(pool.submit(f)));
            start.countDown();
            List<FinalizeResult> results = new ArrayList<>();
            for (Future<FinalizeResult> future : futures) {
                results.add(future.get());
            }
            pool.shutdown();

            String what = "round " + round;
            assertThat(results).as(what).extracting(FinalizeResult::indexId).containsOnly(indexId(reference));
            assertThat(results).as(what).filteredOn(r -> r.status().equals(FinalizeResult.Status.COMMITTED)).hasSize(1);
            assertThat(results).as(what).extracting(FinalizeResult::docs).containsOnly((long) DOCS);
            assertConverged(store, what);
        }
    }

    int rounds() {
        return 10;
    }

    /** Partitions 0 and 1 from their own input files: documents [0, 300) and [200, 500), so ids 200..299 are in both. */
    Map<Long, Path> stageOverlapping(ObjectStore store) throws IOException {
        Map<Long, Path> inputs = new TreeMap<>();
        inputs.put(0L, TestDocuments.write(temp.resolve("first.jsonl"), TestDocuments.lines(0, 300, 31)));
        inputs.put(1L, TestDocuments.write(temp.resolve("second.jsonl"), TestDocuments.lines(200, 300, 31)));
        for (Map.Entry<Long, Path> input : inputs.entrySet()) {
            new Worker(store, WorkerConfig.of(TestDocuments.spec(), List.of(input.getValue().toString()), input.getKey(), Optional.empty())
                    .withThreads(1).withWorkDirectory(temp.resolve("work")), l -> null, Progress.silent()).run();
        }
        return inputs;
    }

    @Test
    void idsInMoreThanOnePartitionFailTheCommitNamingThemUnlessAllowed() throws IOException {
        ObjectStore store = empty();
        Map<Long, Path> inputs = stageOverlapping(store);

        assertThatThrownBy(() -> finalizer(store, FinalizerConfig.defaults()).run())
                .isInstanceOf(DuplicateIdsException.class)
                .hasMessageStartingWith("100 ids occur in more than one partition: \"doc-200\" in partition 0 (input " + inputs.get(0L)
                        + ") and partition 1 (input " + inputs.get(1L) + "); \"doc-201\"")
                .hasMessageContaining("and 90 more")
                .hasMessageContaining("--allow-duplicate-ids")
                .satisfies(e -> assertThat(((DuplicateIdsException) e).ids()).isEqualTo(100));
        assertThat(store.list(IndexLayout.METADATA)).as("nothing committed").isEmpty();
        assertThat(store.list(IndexLayout.PLAN)).as("no plan frozen").isEmpty();
        assertThat(store.list(IndexLayout.STAGING)).as("the staging is kept").isNotEmpty();

        FinalizeResult allowed = finalizer(store, FinalizerConfig.defaults().withAllowDuplicateIds(true)).run();

        assertThat(allowed.docs()).as("both records of each id are indexed").isEqualTo(600);
        assertThat(allowed.index().crossDuplicateIds()).isEqualTo(100);
        assertThat(allowed.idCheck().lists()).isEqualTo(2);
        assertThat(allowed.idCheck().ids()).isEqualTo(600);
        assertThat(allowed.idCheck().duplicates()).isEqualTo(100);
        assertThat(allowed.idCheck().requests()).as("one chunk a list").isEqualTo(2);
        assertThat(allowed.notes()).anySatisfy(note -> assertThat(note).contains("100 ids occur in more than one partition"));
        IndexMetadata metadata = StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class);
        assertThat(metadata.crossDuplicateIds()).isEqualTo(100);
        assertThat(metadata.formatVersion()).as("a count is recorded: format 2").isEqualTo(2);
        assertThat(dev.ftindex.format.IndexStatus.inspect(store, Optional.empty()).duplicateIds())
                .isEqualTo(new dev.ftindex.format.IndexStatus.DuplicateIds(100, 0));
    }

    @Test
    void aPartitionStagedAfterThePlanWasFrozenIsNotCommittedAndIsReported() throws IOException {
        ObjectStore store = empty();
        stage(store, temp, 0, 600, 3, TestDocuments.spec(), Optional.empty());
        // A first finalizer freezes the plan and dies.
        FaultInjectingObjectStore dying = FaultInjectingObjectStore.wrap(store).crashAfter(1).build();
        assertThatThrownBy(() -> finalizer(dying, FinalizerConfig.defaults()).run()).isInstanceOf(InjectedCrash.class);
        assertThat(store.head(IndexLayout.PLAN).size()).isPositive();
        // A late worker stages partition 3.
        Path late = TestDocuments.write(temp.resolve("late.jsonl"), TestDocuments.lines(10_000, 50, 3));
        new Worker(store, WorkerConfig.of(TestDocuments.spec(), List.of(late.toString()), 3, Optional.empty())
                .withThreads(1).withWorkDirectory(temp.resolve("w")), l -> null, Progress.silent()).run();

        FinalizeResult result = finalizer(store, FinalizerConfig.defaults()).run();

        assertThat(result.status()).isEqualTo(FinalizeResult.Status.COMMITTED);
        assertThat(result.planning().unplannedPartitions()).containsExactly(3L);
        assertThat(result.notes()).anySatisfy(note -> assertThat(note).contains("[3]").contains("staged after the plan was frozen"));
        assertThat(result.planning().partitionCount()).isEqualTo(CountSource.STAGED);
        IndexMetadata metadata = StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class);
        assertThat(metadata.partitions()).extracting(IndexMetadata.CommittedPartition::partition).containsExactly(0L, 1L, 2L);
        assertThat(metadata.totals().docs()).isEqualTo(600);
    }

    @Test
    void aFinalizerRacingWithAnothersCleanupSucceeds() throws IOException {
        // The other finalizer commits and cleans up at three moments of this one's run.
        List<BiPredicate<String, String>> moments = List.of(
                (operation, key) -> operation.equals("get") && key.equals(IndexLayout.PLAN),
                (operation, key) -> operation.equals("get") && IndexLayout.manifestPartition(key).isPresent(),
                (operation, key) -> operation.equals("get") && key.endsWith(IdList.NAME),
                (operation, key) -> operation.equals("copy"));
        for (int m = 0; m < moments.size(); m++) {
            ObjectStore store = staged();
            ObjectStore racing = new RaceAt(store, moments.get(m));

            FinalizeResult result = finalizer(racing, FinalizerConfig.defaults().withConcurrency(1)).run();

            assertThat(result.status()).as("moment " + m).isEqualTo(FinalizeResult.Status.ALREADY_COMMITTED);
            assertThat(result.indexId()).as("moment " + m).isEqualTo(indexId(reference));
            assertConverged(store, "moment " + m);
        }
    }

    @Test
    void anOrphanUnderStagingIsNeverCommitted() throws IOException {
        ObjectStore store = staged();
        store.put("staging/orphan", Payload.of("left by something".getBytes(UTF_8)));

        finalizer(store, FinalizerConfig.defaults()).run();
        assertConverged(store, "orphan before commit");

        store.put("staging/orphan", Payload.of("left after the commit".getBytes(UTF_8)));
        FinalizeResult again = finalizer(store, FinalizerConfig.defaults()).run();

        assertThat(again.status()).isEqualTo(FinalizeResult.Status.ALREADY_COMMITTED);
        assertThat(again.cleanup().deleted()).isEqualTo(1);
        assertConverged(store, "orphan after commit");
    }

    @Test
    void missingPartitionsAreReportedAndNothingIsWritten() throws IOException {
        ObjectStore store = staged();
        store.delete(IndexLayout.manifestKey(1));

        assertThatThrownBy(() -> finalizer(store, FinalizerConfig.defaults()).run())
                .isInstanceOf(PartitionsMissingException.class)
                .hasMessageContaining("2 of 3 partitions are staged")
                .hasMessageContaining("missing partition ids: [1]")
                .satisfies(e -> assertThat(((PartitionsMissingException) e).missing()).containsExactly(1L));
        assertThatThrownBy(() -> finalizer(store, FinalizerConfig.defaults().withExpectedPartitions(5)).run())
                .isInstanceOf(PartitionsMissingException.class)
                .hasMessageContaining("missing partition ids: [1, 3, 4]");
        assertThat(store.list("")).noneMatch(o -> o.key().equals(IndexLayout.PLAN) || o.key().startsWith("part_")
                || o.key().equals(IndexLayout.METADATA));
        assertThatThrownBy(() -> finalizer(empty(), FinalizerConfig.defaults()).run())
                .isInstanceOf(PartitionsMissingException.class).hasMessageContaining("no partition is staged");
    }

    @Test
    void partitionsBuiltWithDifferentSpecsAreAConflict() throws IOException {
        ObjectStore store = empty();
        stage(store, temp, 0, 300, 2, TestDocuments.spec(), Optional.of(3));
        IndexSpec other = IndexSpec.parse("""
                {"idField": "id", "fields": {"title": {"type": "text", "stored": true}}}""".getBytes(UTF_8), "other");
        Path input = TestDocuments.write(temp.resolve("other.jsonl"), TestDocuments.lines(0, 300, 17));
        new Worker(store, WorkerConfig.of(other, List.of(input.toString()), 2, Optional.of(3)).withThreads(1)
                .withWorkDirectory(temp.resolve("w")), l -> null, Progress.silent()).run();

        assertThatThrownBy(() -> finalizer(store, FinalizerConfig.defaults()).run())
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("different index specs")
                .hasMessageContaining("for partitions [0, 1]")
                .hasMessageContaining("for partitions [2]");
    }

    @Test
    void partitionsThatDisagreeOnTheCountAreAConflict() throws IOException {
        ObjectStore store = empty();
        stage(store, temp, 0, 300, 2, TestDocuments.spec(), Optional.of(2));
        PartitionManifest manifest = StoredJson.read(store, IndexLayout.manifestKey(1), PartitionManifest.class);
        store.delete(IndexLayout.manifestKey(1));
        PartitionManifest odd = new PartitionManifest(manifest.format(), manifest.formatVersion(), 1, manifest.attempt(), 3,
                manifest.docCount(), manifest.luceneVersion(), manifest.spec(), manifest.specFingerprint(), manifest.input(),
                manifest.files(), manifest.fieldStats(), 0, null, manifest.createdAt(), manifest.writeId());
        store.put(IndexLayout.manifestKey(1), Payload.of(dev.ftindex.format.Json.writeChecksummed(odd)));

        assertThatThrownBy(() -> finalizer(store, FinalizerConfig.defaults()).run())
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("disagree on the partition count")
                .hasMessageContaining("partitions [0] say 2")
                .hasMessageContaining("partitions [1] say 3");
    }

    @Test
    void anUnreadableMetadataFileIsAnErrorAndIsNeverOverwritten() throws IOException {
        ObjectStore store = staged();
        byte[] garbage = "{\"format\": \"ftindex\", \"formatVers".getBytes(UTF_8);
        store.put(IndexLayout.METADATA, Payload.of(garbage));

        assertThatThrownBy(() -> finalizer(store, FinalizerConfig.defaults()).run())
                .isInstanceOf(CorruptObjectException.class)
                .hasMessageContaining("metadata.lance")
                .hasMessageContaining("observed size " + garbage.length + " bytes");

        try (ObjectStream stream = store.get(IndexLayout.METADATA)) {
            assertThat(stream.readAllRemaining()).isEqualTo(garbage);
        }
        assertThat(store.list(IndexLayout.STAGING)).isNotEmpty();
    }

    @Test
    void aStagedFileChangedAfterItsManifestFailsVerificationByName() throws IOException {
        ObjectStore store = staged();
        PartitionManifest manifest = StoredJson.read(store, IndexLayout.manifestKey(2), PartitionManifest.class);
        var file = manifest.files().stream().filter(f -> f.name().endsWith(".cfs")).findFirst().orElseThrow();
        String key = IndexLayout.stagedFileKey(2, manifest.attempt(), file.name());
        byte[] bytes;
        try (ObjectStream stream = store.get(key)) {
            bytes = stream.readAllRemaining();
        }
        bytes[bytes.length - 1] ^= 0x01;
        store.put(key, Payload.of(bytes));

        assertThatThrownBy(() -> finalizer(store, FinalizerConfig.defaults()).run())
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("part_2/" + file.name())
                .hasMessageContaining("the plan says " + dev.ftindex.format.LuceneFiles.hex(file.checksum()))
                .hasMessageContaining("staged file changed after its manifest");
        assertThat(store.list("")).noneMatch(o -> o.key().equals(IndexLayout.METADATA));
    }

    @Test
    void finalFilesAlreadyInPlaceAreNotCopiedAgain() throws IOException {
        ObjectStore store = staged();
        FaultInjectingObjectStore dying = FaultInjectingObjectStore.wrap(store).crashBefore(PARTITIONS * 3).build();
        assertThatThrownBy(() -> finalizer(dying, FinalizerConfig.defaults().withConcurrency(1)).run()).isInstanceOf(InjectedCrash.class);

        FinalizeResult result = finalizer(store, FinalizerConfig.defaults()).run();

        assertThat(result.copies().filesSkipped()).isPositive();
        assertThat(result.copies().filesCopied() + result.copies().filesSkipped()).isEqualTo(result.index().files());
        assertConverged(store, "resumed");
    }

    static String indexId(Map<String, byte[]> state) {
        return dev.ftindex.format.Json.readChecksummed(state.get(IndexLayout.METADATA), IndexMetadata.class).indexId();
    }

    /** Runs a complete, undisturbed finalizer on the same store once, when {@code moment} first matches. */
    private static final class RaceAt extends DelegatingStore {
        private final BiPredicate<String, String> moment;
        private final AtomicBoolean fired = new AtomicBoolean();

        RaceAt(ObjectStore delegate, BiPredicate<String, String> moment) {
            super(delegate);
            this.moment = moment;
        }

        private void maybeRace(String operation, String key) {
            if (moment.test(operation, key) && fired.compareAndSet(false, true)) {
                FinalizeResult other = finalizer(delegate, FinalizerConfig.defaults()).run();
                assertThat(other.status()).isEqualTo(FinalizeResult.Status.COMMITTED);
            }
        }

        @Override
        public ObjectStream get(String key, ByteRange range) {
            maybeRace("get", key);
            return super.get(key, range);
        }

        @Override
        public ObjectInfo copy(String sourceKey, String targetKey, Optional<String> expectedSourceEtag) {
            maybeRace("copy", sourceKey);
            return super.copy(sourceKey, targetKey, expectedSourceEtag);
        }
    }
}
