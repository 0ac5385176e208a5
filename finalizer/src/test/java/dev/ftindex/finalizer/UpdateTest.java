package dev.ftindex.finalizer;

import static dev.ftindex.finalizer.AppendTest.BASE;
import static dev.ftindex.finalizer.AppendTest.BASE_DOCS;
import static dev.ftindex.finalizer.AppendTest.base;
import static dev.ftindex.finalizer.AppendTest.generation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.AppendBase;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.DeletionManifest;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.FinalizePlan;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexStatus;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.FaultInjectingObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.objectstore.testing.InjectedCrash;
import dev.ftindex.worker.DeleteList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An update of a base ({@code --upsert}, {@code --delete}): the base's partitions that lose
 * documents get, in the new generation only, a new Lucene commit with live docs; the base is never
 * modified; a crash anywhere converges on rerun; a plan is carried out only with the update it was
 * made for.
 */
class UpdateTest {
    private static final String UPDATED = "g3";

    /** g1 committed (docs 0..599 in 2 partitions); g3 staged: docs 590..619 (ten of them new versions of the base's) appending to it. */
    private static ObjectStore template;

    @TempDir
    Path temp;

    @BeforeAll
    static void buildTemplate(@TempDir Path scratch) throws IOException {
        AppendTest.buildTemplate(scratch);
        ObjectStore collection = FinalizerProtocolTest.copyOf(AppendTest.template, InMemoryObjectStore.create());
        Path input = TestDocuments.write(scratch.resolve("changed.jsonl"), TestDocuments.lines(590, 30, 45));
        AppendTest.stage(generation(collection, UPDATED), scratch, input, 1, base(collection).index());
        template = collection;
    }

    private static ObjectStore copyOfTemplate() throws IOException {
        return FinalizerProtocolTest.copyOf(template, InMemoryObjectStore.create());
    }

    private BaseUpdate update(boolean upsert, boolean strict, String... ids) throws IOException {
        Path list = Files.write(temp.resolve("deletes-" + ids.length + "-" + System.nanoTime() + ".txt"), List.of(ids));
        DeleteList.Sorted sorted = DeleteList.read(list.toString(), temp.resolve("sorted-" + System.nanoTime()), location -> {
            throw new AssertionError(location);
        });
        return new BaseUpdate(upsert, Optional.of(new BaseUpdate.DeleteIds(sorted.list().getParent(), sorted.file(), sorted.fingerprint(),
                sorted.source())), strict);
    }

    private static FinalizeResult finalize(ObjectStore collection, BaseUpdate update, FinalizerConfig config) {
        return new Finalizer(generation(collection, UPDATED), Optional.of(base(collection)), update, config, Progress.silent()).run();
    }

    @Test
    void upsertsAndDeletesAreNewCommitsOfTheBasePartitionsAndTheBaseIsUntouched() throws IOException {
        ObjectStore collection = copyOfTemplate();
        Map<String, String> baseBefore = digests(generation(collection, BASE));
        IndexMetadata base = StoredJson.read(generation(collection, BASE), IndexLayout.METADATA, IndexMetadata.class);

        FinalizeResult result = finalize(collection, update(true, false, "doc-5", "doc-6", "", "doc-6", "doc-300", "no-such-doc"),
                FinalizerConfig.defaults());

        assertThat(result.update().replaced()).as("docs 590..599 have new versions").isEqualTo(10);
        assertThat(result.update().deletedIds()).isEqualTo(3);
        assertThat(result.update().deletedDocs()).isEqualTo(13);
        assertThat(result.update().unknownDeletes()).isEqualTo(1);
        assertThat(result.update().unknownExamples()).containsExactly("no-such-doc");
        assertThat(result.notes()).anyMatch(note -> note.contains("1 id(s) of the delete list") && note.contains("no-such-doc"));
        assertThat(result.index().deletedDocs()).isEqualTo(13);
        assertThat(result.docs()).as("deleted documents stay counted until a compaction").isEqualTo(BASE_DOCS + 30);

        ObjectStore updated = generation(collection, UPDATED);
        IndexMetadata metadata = StoredJson.read(updated, IndexLayout.METADATA, IndexMetadata.class);
        assertThat(metadata.deletedDocs()).isEqualTo(13);
        assertThat(metadata.files()).noneMatch(file -> file.key().startsWith(IndexLayout.STAGING));
        for (IndexMetadata.CommittedPartition partition : metadata.partitions()) {
            if (partition.basePartition() == null) {
                assertThat(partition.deletedDocs()).isNull();
                continue;
            }
            IndexMetadata.CommittedPartition before = base.partitions().get(partition.basePartition());
            assertThat(partition.docCount()).isEqualTo(before.docCount());
            assertThat(partition.files()).as("a new commit point and live docs").anyMatch(file -> file.name().endsWith(".liv"))
                    .noneMatch(file -> file.name().equals(segmentsOf(before)));
            assertThat(partition.files()).as("the segments themselves are the base's")
                    .containsAll(before.files().stream().filter(file -> file.name().endsWith(".cfs")).toList());
            for (FileEntry file : partition.files()) {
                assertThat(LuceneFiles.checkFooter(updated, partition.key(file), file, "the metadata")).as(partition.key(file)).isEmpty();
            }
        }
        assertThat(metadata.partitions().stream().mapToLong(p -> p.deletedDocs() == null ? 0 : p.deletedDocs()).sum()).isEqualTo(13);
        // Readers see the live documents: a deleted id finds nothing, a replaced one its new version only.
        try (Local local = Local.of(updated, metadata, temp.resolve("read"))) {
            assertThat(local.count("doc-5")).isZero();
            assertThat(local.count("doc-300")).isZero();
            assertThat(local.count("doc-595")).isEqualTo(1);
            assertThat(local.count("doc-7")).isEqualTo(1);
            assertThat(local.reader.numDocs()).isEqualTo(BASE_DOCS + 30 - 13);
            assertThat(local.reader.maxDoc()).isEqualTo(BASE_DOCS + 30);
        }
        assertThat(digests(generation(collection, BASE))).as("the base is never modified").isEqualTo(baseBefore);
        assertThat(updated.list(IndexLayout.STAGING)).isEmpty();

        IndexStatus.Report status = IndexStatus.inspect(updated, Optional.empty());
        assertThat(status.deletions().deletedDocs()).isEqualTo(13);
        assertThat(status.origins().stream().mapToLong(origin -> origin.deletedDocs() == null ? 0 : origin.deletedDocs()).sum())
                .isEqualTo(13);
    }

    private static String segmentsOf(IndexMetadata.CommittedPartition partition) {
        return partition.files().stream().map(FileEntry::name).filter(name -> name.startsWith("segments_")).findFirst().orElseThrow();
    }

    @Test
    void withoutUpsertANewVersionIsADuplicateAndStrictDeletesRefuseUnknownIds() throws IOException {
        ObjectStore collection = copyOfTemplate();

        assertThatThrownBy(() -> finalize(collection, update(false, false, "doc-5"), FinalizerConfig.defaults()))
                .isInstanceOf(DuplicateIdsException.class).hasMessageContaining("10 ids of the new input");
        assertThatThrownBy(() -> finalize(collection, update(true, true, "doc-5", "gone-1", "gone-2"), FinalizerConfig.defaults()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("2 id(s) of the delete list")
                .hasMessageContaining("gone-1, gone-2").hasMessageContaining("--strict-deletes");
        assertThat(generation(collection, UPDATED).list(IndexLayout.PLAN)).as("nothing frozen").isEmpty();
        assertThat(generation(collection, UPDATED).list(IndexLayout.DELETES)).as("nothing staged before the ids were checked").isEmpty();

        FinalizeResult fixed = finalize(collection, update(true, true, "doc-5"), FinalizerConfig.defaults());
        assertThat(fixed.update().deletedDocs()).isEqualTo(11);
    }

    @Test
    void aFrozenPlanIsCarriedOutOnlyWithTheUpdateItWasMadeFor() throws IOException {
        ObjectStore collection = copyOfTemplate();
        BaseUpdate first = update(true, false, "doc-5");
        dieAtCommit(collection, first);
        assertThat(generation(collection, UPDATED).list(IndexLayout.PLAN)).isNotEmpty();
        FinalizePlan plan = StoredJson.read(generation(collection, UPDATED), IndexLayout.PLAN, FinalizePlan.class);
        assertThat(plan.update().upsert()).isTrue();
        assertThat(plan.update().deleted()).isEqualTo(11);

        assertThatThrownBy(() -> finalize(collection, update(true, false, "doc-6"), FinalizerConfig.defaults()))
                .isInstanceOf(ConflictException.class).hasMessageContaining("a delete list of other ids");
        assertThatThrownBy(() -> finalize(collection, BaseUpdate.NONE, FinalizerConfig.defaults()))
                .isInstanceOf(ConflictException.class).hasMessageContaining("with --upsert");
        assertThatThrownBy(() -> new Finalizer(generation(collection, UPDATED), Optional.of(base(collection)), FinalizerConfig.defaults(),
                Progress.silent()).run()).isInstanceOf(ConflictException.class);

        FinalizeResult rerun = finalize(collection, update(true, false, "doc-5", "doc-5"), FinalizerConfig.defaults());
        assertThat(rerun.indexId()).isEqualTo(plan.indexId());
    }

    /** Runs the update until it is about to create metadata.lance, and crashes there. */
    private static void dieAtCommit(ObjectStore collection, BaseUpdate update) {
        ObjectStore dying = new DelegatingStore(collection) {
            @Override
            public ObjectInfo putIfAbsent(String key, Payload payload) {
                if (key.endsWith(IndexLayout.METADATA)) {
                    throw new IllegalStateException("crash before the commit");
                }
                return super.putIfAbsent(key, payload);
            }
        };
        assertThatThrownBy(() -> finalize(dying, update, FinalizerConfig.defaults())).hasMessageContaining("crash before the commit");
    }

    @Test
    void aCrashBeforeOrAfterEveryMutatingCallOfAnUpdateConvergesOnRerun() throws IOException {
        ObjectStore reference = copyOfTemplate();
        FaultInjectingObjectStore counting = FaultInjectingObjectStore.wrap(reference).build();
        BaseUpdate update = update(true, false, "doc-5", "doc-300", "doc-301");
        FinalizeResult undisturbed = finalize(counting, update, FinalizerConfig.defaults().withConcurrency(1));
        int mutations = counting.mutatingCalls();
        assertThat(mutations).as("deletions staged, plan, copies, metadata, cleanup").isGreaterThan(25);
        Map<String, String> base = digests(generation(reference, BASE));
        List<String> stagesSeen = new ArrayList<>();

        for (int k = 1; k <= mutations; k++) {
            for (boolean after : new boolean[] {false, true}) {
                String what = "crash " + (after ? "after" : "before") + " mutating call " + k;
                ObjectStore collection = copyOfTemplate();
                FaultInjectingObjectStore.Builder faults = FaultInjectingObjectStore.wrap(collection);
                FaultInjectingObjectStore crashing = (after ? faults.crashAfter(k) : faults.crashBefore(k)).build();
                assertThatThrownBy(() -> finalize(crashing, update, FinalizerConfig.defaults().withConcurrency(1))).as(what)
                        .isInstanceOf(InjectedCrash.class);
                ObjectStore updated = generation(collection, UPDATED);
                Optional<FinalizePlan> frozen = StoredJson.readIfExists(updated, IndexLayout.PLAN, FinalizePlan.class);
                Map<Integer, DeletionManifest> staged = stagedDeletions(updated);
                stagesSeen.add(frozen.isPresent() ? "planned" : staged.isEmpty() ? "nothing" : "deletions " + staged.keySet());

                FinalizeResult rerun = finalize(collection, update, FinalizerConfig.defaults());

                frozen.ifPresent(plan -> assertThat(rerun.indexId()).as(what + ": the frozen plan is carried out").isEqualTo(plan.indexId()));
                IndexMetadata metadata = StoredJson.read(updated, IndexLayout.METADATA, IndexMetadata.class);
                assertThat(metadata.indexId()).isEqualTo(rerun.indexId());
                staged.forEach((n, deletion) -> assertThat(metadata.partitions().get(n).files())
                        .as(what + ": a staged deletion is reused").containsAll(deletion.files()));
                assertThat(metadata.deletedDocs()).as(what).isEqualTo(undisturbed.update().deletedDocs());
                assertThat(metadata.totals().docs()).as(what).isEqualTo(undisturbed.docs());
                for (IndexMetadata.CommittedPartition partition : metadata.partitions()) {
                    for (FileEntry file : partition.files()) {
                        assertThat(LuceneFiles.checkFooter(updated, partition.key(file), file, "the metadata")).as(what).isEmpty();
                    }
                }
                assertThat(updated.list(IndexLayout.STAGING)).as(what).isEmpty();
                assertThat(digests(generation(collection, BASE))).as(what + ": the base").isEqualTo(base);
            }
        }
        assertThat(stagesSeen).as("crashes before the deletions, among them and after the plan").contains("nothing", "planned")
                .anyMatch(seen -> seen.startsWith("deletions"));
    }

    @Test
    void deletesAloneAndAChainOfUpdatesAccumulateInTheSamePartition() throws IOException {
        ObjectStore collection = copyOfTemplate();
        ObjectStore alone = generation(collection, "g4");
        FinalizeResult deleted = new Finalizer(alone, Optional.of(base(collection)), update(false, false, "doc-1", "doc-2"),
                FinalizerConfig.defaults(), Progress.silent()).run();
        assertThat(deleted.index().partitions()).as("nothing staged: the base's partitions alone").isEqualTo(2);
        assertThat(deleted.index().deletedDocs()).isEqualTo(2);
        assertThat(deleted.docs()).isEqualTo(BASE_DOCS);

        AppendBase g4 = AppendBase.open(alone, "g4");
        ObjectStore next = generation(collection, "g5");
        FinalizeResult again = new Finalizer(next, Optional.of(g4), update(false, false, "doc-3", "doc-2"), FinalizerConfig.defaults(),
                Progress.silent()).run();
        assertThat(again.update().unknownDeletes()).as("doc-2 is deleted in g4 already").isEqualTo(1);
        assertThat(again.index().deletedDocs()).as("g4's deletions and g5's").isEqualTo(3);
        IndexMetadata metadata = StoredJson.read(next, IndexLayout.METADATA, IndexMetadata.class);
        try (Local local = Local.of(next, metadata, temp.resolve("g5"))) {
            assertThat(local.count("doc-1")).isZero();
            assertThat(local.count("doc-3")).isZero();
            assertThat(local.count("doc-4")).isEqualTo(1);
            assertThat(local.reader.numDocs()).isEqualTo(BASE_DOCS - 3);
        }
    }

    /** Every committed object of a root, by key, as a hash of its bytes. */
    private static Map<String, String> digests(ObjectStore root) throws IOException {
        Map<String, String> digests = new TreeMap<>();
        FinalizerProtocolTest.committedState(root).forEach((key, bytes) -> digests.put(key, java.util.HexFormat.of().formatHex(sha256(bytes))));
        return digests;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<Integer, DeletionManifest> stagedDeletions(ObjectStore root) {
        Map<Integer, DeletionManifest> staged = new TreeMap<>();
        for (int n = 0; n < 2; n++) {
            StoredJson.readIfExists(root, IndexLayout.deletionManifestKey(n), DeletionManifest.class).ifPresent(deletion -> staged.put(deletion.basePartition(), deletion));
        }
        return staged;
    }

    /** The committed generation downloaded and opened as one Lucene reader over its partitions. */
    private record Local(List<FSDirectory> directories, MultiReader reader, IndexSearcher searcher) implements AutoCloseable {
        static Local of(ObjectStore root, IndexMetadata metadata, Path into) throws IOException {
            List<FSDirectory> directories = new ArrayList<>();
            List<DirectoryReader> readers = new ArrayList<>();
            for (IndexMetadata.CommittedPartition partition : metadata.partitions()) {
                Path directory = Files.createDirectories(into.resolve("part_" + partition.n()));
                for (FileEntry file : partition.files()) {
                    try (ObjectStream stream = root.get(partition.key(file))) {
                        Files.write(directory.resolve(file.name()), stream.readAllRemaining());
                    }
                }
                FSDirectory opened = FSDirectory.open(directory);
                directories.add(opened);
                readers.add(DirectoryReader.open(opened));
            }
            MultiReader multi = new MultiReader(readers.toArray(IndexReader[]::new));
            return new Local(directories, multi, new IndexSearcher(multi));
        }

        long count(String id) throws IOException {
            return searcher.count(new TermQuery(new Term("id", id)));
        }

        @Override
        public void close() throws IOException {
            reader.close();
            for (FSDirectory directory : directories) {
                directory.close();
            }
        }
    }
}
