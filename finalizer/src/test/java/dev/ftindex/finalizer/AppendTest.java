package dev.ftindex.finalizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.AppendBase;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.IdList;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.IndexStatus;
import dev.ftindex.format.NotCommittedException;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.Verdict;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.FaultInjectingObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.objectstore.testing.InjectedCrash;
import dev.ftindex.worker.Assignment;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An append ({@code --base}): a generation made of its base's partitions, copied unchanged, and
 * partitions built from new input only, with ids that must be new. The collection is one store;
 * its generations are views of it, as the command line opens them, so base files are copied
 * server-side.
 */
class AppendTest {
    static final String BASE = "g1";
    static final String APPENDED = "g2";
    static final int BASE_DOCS = 600;
    static final int NEW_DOCS = 300;

    /** g1 committed (2 partitions, docs 0..599); g2 staged by 2 workers appending docs 600..899 to it. */
    static ObjectStore template;
    /** One whole index of the same 900 documents, built by one worker. */
    static IndexMetadata whole;

    @TempDir
    Path temp;

    @BeforeAll
    static synchronized void buildTemplate(@TempDir Path scratch) throws IOException {
        if (template != null) {
            return;
        }
        Path old = TestDocuments.write(scratch.resolve("old.jsonl"), TestDocuments.lines(0, BASE_DOCS, 41));
        Path fresh = TestDocuments.write(scratch.resolve("new.jsonl"), TestDocuments.lines(BASE_DOCS, NEW_DOCS, 42));
        ObjectStore collection = InMemoryObjectStore.create();
        stage(generation(collection, BASE), scratch, old, 2, null);
        new Finalizer(generation(collection, BASE), FinalizerConfig.defaults(), Progress.silent()).run();
        stage(generation(collection, APPENDED), scratch, fresh, 2, base(collection).index());
        template = collection;

        ObjectStore single = InMemoryObjectStore.create();
        WorkerConfig config = WorkerConfig.of(TestDocuments.spec(), List.of(old.toString(), fresh.toString()), 0, Optional.empty())
                .withThreads(2).withIndexing(16, 1).withWorkDirectory(scratch.resolve("work"));
        new Worker(single, config, location -> {
            throw new AssertionError(location);
        }, Progress.silent()).run();
        new Finalizer(single, FinalizerConfig.defaults(), Progress.silent()).run();
        whole = StoredJson.read(single, IndexLayout.METADATA, IndexMetadata.class);
    }

    static ObjectStore generation(ObjectStore collection, String generation) {
        return ObjectStores.prefixed(collection, "generations/" + generation + "/");
    }

    static AppendBase base(ObjectStore collection) {
        return AppendBase.open(generation(collection, BASE), BASE);
    }

    /** Real workers sharing {@code input} out to {@code partitions}, appending to {@code base} when given. */
    static void stage(ObjectStore root, Path scratch, Path input, int partitions, dev.ftindex.format.BaseIndex base) {
        for (int p = 0; p < partitions; p++) {
            WorkerConfig config = WorkerConfig.of(TestDocuments.spec(), List.of(input.toString()), p, Optional.of(partitions))
                    .withThreads(2).withIndexing(16, 1).withWorkDirectory(scratch.resolve("work"))
                    .withSplitRules(new Assignment.SplitRules(4 * 1024, 64 * 1024));
            if (base != null) {
                config = config.withBase(base);
            }
            new Worker(root, config, location -> {
                throw new AssertionError(location);
            }, Progress.silent()).run();
        }
    }

    static ObjectStore copyOfTemplate() throws IOException {
        return FinalizerProtocolTest.copyOf(template, InMemoryObjectStore.create());
    }

    static FinalizeResult append(ObjectStore collection, FinalizerConfig config) {
        return new Finalizer(generation(collection, APPENDED), Optional.of(base(collection)), config, Progress.silent()).run();
    }

    @Test
    void anAppendHoldsTheBasePartitionsUnchangedThenTheNewOnes() throws IOException {
        ObjectStore collection = copyOfTemplate();
        IndexMetadata base = StoredJson.read(generation(collection, BASE), IndexLayout.METADATA, IndexMetadata.class);

        FinalizeResult result = append(collection, FinalizerConfig.defaults());

        assertThat(result.status()).isEqualTo(FinalizeResult.Status.COMMITTED);
        ObjectStore appended = generation(collection, APPENDED);
        IndexMetadata metadata = StoredJson.read(appended, IndexLayout.METADATA, IndexMetadata.class);
        assertThat(metadata.formatVersion()).isEqualTo(2);
        assertThat(metadata.base().indexId()).isEqualTo(base.indexId());
        assertThat(metadata.base().generation()).isEqualTo(BASE);
        assertThat(metadata.partitions()).extracting(IndexMetadata.CommittedPartition::basePartition).containsExactly(0, 1, null, null);
        assertThat(metadata.totals().docs()).isEqualTo(BASE_DOCS + NEW_DOCS);
        // The statistics every score is computed from are those of one index of all documents.
        assertThat(metadata.fieldStats()).isEqualTo(whole.fieldStats());
        for (IndexMetadata.CommittedPartition partition : base.partitions()) {
            assertThat(metadata.partitions().get(partition.n()).files()).isEqualTo(partition.files());
            for (var file : partition.files()) {
                assertThat(bytes(appended, partition.key(file))).as(file.name()).isEqualTo(bytes(generation(collection, BASE), partition.key(file)));
            }
        }
        assertThat(metadata.partitions().get(2).files()).extracting(f -> f.name()).contains(IdList.NAME);
        assertThat(result.index().basePartitions()).isEqualTo(2);
        assertThat(result.index().crossDuplicateIds()).isNull();
        assertThat(appended.list(IndexLayout.STAGING)).isEmpty();
        // The base is only read.
        assertThat(StoredJson.read(generation(collection, BASE), IndexLayout.METADATA, IndexMetadata.class)).isEqualTo(base);

        IndexStatus.Report status = IndexStatus.inspect(appended, Optional.empty());
        assertThat(status.base().indexId()).isEqualTo(base.indexId());
        assertThat(status.origins()).extracting(IndexStatus.PartitionOrigin::from).containsExactly("base", "base", "built", "built");
    }

    @Test
    void aCrashBeforeOrAfterEveryMutatingCallOfAnAppendConvergesOnRerun() throws IOException {
        ObjectStore reference = copyOfTemplate();
        FaultInjectingObjectStore counting = FaultInjectingObjectStore.wrap(reference).build();
        FinalizeResult undisturbed = append(counting, FinalizerConfig.defaults().withConcurrency(1));
        Map<String, byte[]> expected = FinalizerProtocolTest.committedState(generation(reference, APPENDED));
        int mutations = counting.mutatingCalls();
        assertThat(mutations).as("plan, base and staged copies, metadata, cleanup").isGreaterThan(20);

        for (int k = 1; k <= mutations; k++) {
            for (boolean after : new boolean[] {false, true}) {
                String what = "crash " + (after ? "after" : "before") + " mutating call " + k;
                ObjectStore collection = copyOfTemplate();
                FaultInjectingObjectStore.Builder faults = FaultInjectingObjectStore.wrap(collection);
                FaultInjectingObjectStore crashing = (after ? faults.crashAfter(k) : faults.crashBefore(k)).build();
                assertThatThrownBy(() -> append(crashing, FinalizerConfig.defaults().withConcurrency(1))).as(what)
                        .isInstanceOf(InjectedCrash.class);

                FinalizeResult rerun = append(collection, FinalizerConfig.defaults());

                assertThat(rerun.indexId()).as(what).isEqualTo(undisturbed.indexId());
                Map<String, byte[]> state = FinalizerProtocolTest.committedState(generation(collection, APPENDED));
                assertThat(state.keySet()).as(what).isEqualTo(expected.keySet());
                state.forEach((key, bytes) -> assertThat(bytes).as(what + ": " + key).isEqualTo(expected.get(key)));
                assertThat(generation(collection, APPENDED).list(IndexLayout.STAGING)).as(what).isEmpty();
            }
        }
    }

    @Test
    void newIdsThatTheBaseHoldsFailNamingThemUnlessAllowed() throws IOException {
        ObjectStore collection = copyOfTemplate();
        ObjectStore doubled = generation(collection, "g3");
        // Documents 590..619: ten already in the base (590..599), ten in g2's new input only.
        Path input = TestDocuments.write(temp.resolve("again.jsonl"), TestDocuments.lines(590, 20, 43));
        stage(doubled, temp, input, 1, base(collection).index());

        assertThatThrownBy(() -> new Finalizer(doubled, Optional.of(base(collection)), FinalizerConfig.defaults(), Progress.silent()).run())
                .isInstanceOf(DuplicateIdsException.class)
                .hasMessageContaining("10 ids of the new input")
                .hasMessageContaining("\"doc-590\" in base generation g1 partition")
                .hasMessageContaining("and new partition 0");
        assertThat(doubled.list(IndexLayout.METADATA)).as("nothing committed").isEmpty();
        assertThat(doubled.list(IndexLayout.PLAN)).as("no plan frozen").isEmpty();

        FinalizeResult allowed = new Finalizer(doubled, Optional.of(base(collection)), FinalizerConfig.defaults().withAllowDuplicateIds(true),
                Progress.silent()).run();

        assertThat(allowed.status()).isEqualTo(FinalizeResult.Status.COMMITTED);
        assertThat(allowed.index().crossDuplicateIds()).isEqualTo(10);
        assertThat(allowed.docs()).as("every record of both is indexed").isEqualTo(BASE_DOCS + 20);
        assertThat(StoredJson.read(doubled, IndexLayout.METADATA, IndexMetadata.class).crossDuplicateIds()).isEqualTo(10);
    }

    @Test
    void aBaseDeletedBeforeOrWhileItsFilesAreCopiedCommitsNothing() throws IOException {
        ObjectStore before = copyOfTemplate();
        AppendBase opened = base(before);
        deleteGeneration(before, BASE);

        assertThatThrownBy(() -> new Finalizer(generation(before, APPENDED), Optional.of(opened), FinalizerConfig.defaults(),
                Progress.silent()).run())
                .isInstanceOf(NotCommittedException.class).hasMessageContaining("no longer committed");
        assertThat(generation(before, APPENDED).list(IndexLayout.METADATA)).isEmpty();

        ObjectStore during = copyOfTemplate();
        ObjectStore deleting = new DelegatingStore(during) {
            private boolean deleted;

            @Override
            public synchronized ObjectInfo copy(String sourceKey, String targetKey, Optional<String> expectedSourceEtag) {
                if (!deleted && sourceKey.startsWith("generations/" + BASE + "/")) {
                    deleted = true;
                    deleteGeneration(during, BASE);
                }
                return super.copy(sourceKey, targetKey, expectedSourceEtag);
            }
        };
        AppendBase live = base(deleting);
        assertThatThrownBy(() -> new Finalizer(generation(deleting, APPENDED), Optional.of(live), FinalizerConfig.defaults(),
                Progress.silent()).run())
                .isInstanceOf(NotCommittedException.class).hasMessageContaining("was deleted while its files were read");
        assertThat(generation(during, APPENDED).list(IndexLayout.METADATA)).isEmpty();
    }

    @Test
    void partitionsAppendedToABaseAreNeverCommittedWithoutItOrWithAnother() throws IOException {
        ObjectStore collection = copyOfTemplate();
        ObjectStore appended = generation(collection, APPENDED);

        assertThatThrownBy(() -> new Finalizer(appended, FinalizerConfig.defaults(), Progress.silent()).run())
                .isInstanceOf(ConflictException.class).hasMessageContaining("finalize with --base g1");
        assertThat(IndexStatus.inspect(appended, Optional.empty()).verdict().action()).isEqualTo(Verdict.Action.CONFLICT);

        // Another base: g2's own staged partitions committed as a whole index elsewhere.
        ObjectStore other = generation(collection, "other");
        stage(other, temp, TestDocuments.write(temp.resolve("o.jsonl"), TestDocuments.lines(5000, 50, 44)), 1, null);
        new Finalizer(other, FinalizerConfig.defaults(), Progress.silent()).run();
        AppendBase wrong = AppendBase.open(other, "other");
        assertThatThrownBy(() -> new Finalizer(appended, Optional.of(wrong), FinalizerConfig.defaults(), Progress.silent()).run())
                .isInstanceOf(ConflictException.class).hasMessageContaining("are appended to generation g1");

        IndexSpec otherSpec = IndexSpec.parse("""
                {"idField": "id", "fields": {"title": {"type": "text"}, "contents": {"type": "text"}},
                 "defaultSearchFields": ["title", "contents"]}
                """.getBytes(java.nio.charset.StandardCharsets.UTF_8), "other spec");
        assertThatThrownBy(() -> base(collection).requireSpec(otherSpec)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("leave --spec out");
        base(collection).requireSpec(TestDocuments.spec());
        assertThat(appended.list(IndexLayout.METADATA)).isEmpty();
    }

    private static void deleteGeneration(ObjectStore collection, String generation) {
        collection.deleteAll(collection.list("generations/" + generation + "/").stream().map(ObjectInfo::key).toList());
    }

    private static byte[] bytes(ObjectStore store, String key) throws IOException {
        try (ObjectStream stream = store.get(key)) {
            return stream.readAllRemaining();
        }
    }
}
