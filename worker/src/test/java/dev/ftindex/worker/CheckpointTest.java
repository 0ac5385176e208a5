package dev.ftindex.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.builder.StageStatus;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.CheckpointRecord;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.objectstore.testing.InjectedCrash;
import dev.ftindex.worker.Assignment.SplitRules;
import dev.ftindex.worker.testing.ParquetFiles;
import dev.ftindex.worker.testing.StagedPartitions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers that die after a checkpoint and are run again: the rerun resumes from the checkpoint
 * and stages exactly its share (every record once, duplicates found across the whole partition,
 * skipped records counted once); a checkpoint that does not hold up is named and a fresh build
 * follows. The death is an {@link InjectedCrash} after the k-th checkpoint record, which leaves
 * the store as a kill would.
 */
class CheckpointTest {
    private static final int DOCS = 12_000;

    @TempDir
    Path temp;

    private final ObjectStore store = InMemoryObjectStore.create();

    private WorkerConfig config(List<String> inputs) {
        return WorkerConfig.of(TestDocuments.spec(), inputs, 0, Optional.of(1))
                .withThreads(2)
                .withSplitRules(new SplitRules(16 * 1024, 128 * 1024))
                .withIndexing(16, 1)
                .withWorkDirectory(temp.resolve("work"))
                // Due at every batch (or row group) that follows indexed documents: where the crashes
                // land depends on the count of checkpoints, never on timing.
                .withCheckpoints(CheckpointInterval.every(Duration.ofNanos(1)));
    }

    /** {@code store}, dying (an {@link InjectedCrash}) at its first write after the {@code after}-th checkpoint record. */
    private static ObjectStore dyingAfterCheckpoints(ObjectStore store, int after) {
        AtomicInteger records = new AtomicInteger();
        return new DelegatingStore(store) {
            private void maybeDie(String key) {
                if (records.get() >= after) {
                    throw new InjectedCrash("killed writing " + key + " after " + after + " checkpoints");
                }
            }

            @Override
            public ObjectInfo put(String key, Payload payload) {
                maybeDie(key);
                return super.put(key, payload);
            }

            @Override
            public ObjectInfo putIfAbsent(String key, Payload payload) {
                maybeDie(key);
                ObjectInfo created = super.putIfAbsent(key, payload);
                if (IndexLayout.checkpointRecord(key).isPresent()) {
                    records.incrementAndGet();
                }
                return created;
            }
        };
    }

    private WorkerResult run(ObjectStore index, WorkerConfig config) {
        return new Worker(index, config, location -> {
            throw new AssertionError(location);
        }, Progress.silent()).run();
    }

    private List<String> textInput(List<String> lines) throws Exception {
        TestDocuments.write(temp.resolve("in/big.jsonl"), lines.subList(0, lines.size() * 3 / 4));
        TestDocuments.write(temp.resolve("in/rest.jsonl.gz"), lines.subList(lines.size() * 3 / 4, lines.size()));
        return List.of(temp.resolve("in").toString());
    }

    private static List<String> ids(List<String> lines) {
        List<String> ids = new ArrayList<>();
        for (String line : lines) {
            ids.add(line.substring(line.indexOf("\"id\":\"") + 6, line.indexOf('"', line.indexOf("\"id\":\"") + 6)));
        }
        ids.sort(null);
        return ids;
    }

    private List<String> stagedIds() throws Exception {
        List<String> ids = new ArrayList<>(StagedPartitions.ids(store, 0, temp.resolve("staged-" + System.nanoTime())));
        ids.sort(null);
        return ids;
    }

    @Test
    void aWorkerKilledAfterACheckpointResumesAndStagesEveryRecordOnceTextPlainAndCompressed() throws Exception {
        List<String> lines = new ArrayList<>(TestDocuments.lines(0, DOCS, 21));
        lines.set(100, "{\"id\": \"broken\", \"title\": ");
        List<String> inputs = textInput(lines);
        WorkerConfig config = config(inputs).withSkipBadRecords(true);

        assertThatThrownBy(() -> run(dyingAfterCheckpoints(store, 1), config)).isInstanceOf(InjectedCrash.class);
        List<ObjectInfo> left = store.list(IndexLayout.checkpointsPrefix(0));
        assertThat(left).as("the checkpoints stay for the retry").anyMatch(object -> IndexLayout.checkpointRecord(object.key()).isPresent());

        // The retry dies too, after a checkpoint of its own: the third run resumes from a resume.
        assertThatThrownBy(() -> run(dyingAfterCheckpoints(store, 1), config)).isInstanceOf(InjectedCrash.class);
        assertThat(store.list(IndexLayout.checkpointsPrefix(0)).stream().map(ObjectInfo::key).filter(key -> IndexLayout.checkpointRecord(key)
                .isPresent()).map(key -> IndexLayout.checkpointRecord(key).orElseThrow().attempt()).distinct()).as("two attempts' records").hasSize(2);

        WorkerResult result = run(store, config);
        assertThat(result.status()).isEqualTo(StageStatus.STAGED);
        assertThat(result.checkpoints().resumed()).as("resumed").isNotNull();
        assertThat(result.checkpoints().indexed()).as("indexed by this run").isLessThan(DOCS - 1).isPositive();
        assertThat(result.checkpoints().resumed().docs() + result.checkpoints().indexed()).isEqualTo(DOCS - 1);
        assertThat(result.docs()).isEqualTo(DOCS - 1);
        assertThat(result.skipped().count()).as("the bad record, counted once").isEqualTo(1);
        assertThat(result.run().stageSeconds()).as("time spent fetching the checkpoint and taking new ones").containsKeys("resuming", "checkpointing");
        assertThat(result.run().stageSeconds().get("resuming")).isPositive();
        List<String> expected = ids(lines.stream().filter(line -> !line.contains("broken")).toList());
        assertThat(stagedIds()).as("every record once").isEqualTo(expected);
        PartitionManifest manifest = StoredJson.read(store, IndexLayout.manifestKey(0), PartitionManifest.class);
        assertThat(manifest.docCount()).isEqualTo(DOCS - 1);
        assertThat(manifest.skippedRecords()).isEqualTo(1);
        assertThat(store.list(IndexLayout.checkpointsPrefix(0))).as("staged: the checkpoints are removed").isEmpty();
    }

    @Test
    void checkpointsOfAStagedPartitionAreNeverResumed() throws Exception {
        List<String> lines = TestDocuments.lines(0, DOCS, 25);
        WorkerConfig config = config(textInput(lines));
        assertThatThrownBy(() -> run(dyingAfterCheckpoints(store, 1), config)).isInstanceOf(InjectedCrash.class);
        Map<String, byte[]> left = new TreeMap<>();
        for (ObjectInfo object : store.list(IndexLayout.checkpointsPrefix(0))) {
            try (ObjectStream stream = store.get(object.key())) {
                left.put(object.key(), stream.readAllRemaining());
            }
        }
        WorkerResult staged = run(store, config);
        assertThat(staged.status()).isEqualTo(StageStatus.STAGED);
        assertThat(store.list(IndexLayout.checkpointsPrefix(0))).as("removed by the attempt that staged").isEmpty();
        // What an attempt that staged the partition and died before removing its checkpoints leaves.
        left.forEach((key, bytes) -> store.put(key, Payload.of(bytes)));

        WorkerResult again = run(store, config);

        assertThat(again.status()).isEqualTo(StageStatus.ALREADY_STAGED);
        assertThat(again.attempt()).isEqualTo(staged.attempt());
        assertThat(again.checkpoints().resumed()).isNull();
        assertThat(stagedIds()).isEqualTo(ids(lines));
    }

    @Test
    void aParquetWorkerResumesAtTheRowGroupsItHadIndexed() throws Exception {
        List<String> lines = TestDocuments.lines(0, DOCS, 22);
        ParquetFiles.fromJsonLines(temp.resolve("in/docs.parquet"), lines, 400, "snappy");
        WorkerConfig config = config(List.of(temp.resolve("in").toString()));

        assertThatThrownBy(() -> run(dyingAfterCheckpoints(store, 2), config)).isInstanceOf(InjectedCrash.class);
        WorkerResult result = run(store, config);
        assertThat(result.checkpoints().resumed()).isNotNull();
        assertThat(result.checkpoints().indexed()).isLessThan(DOCS);
        assertThat(result.docs()).isEqualTo(DOCS);
        assertThat(stagedIds()).isEqualTo(ids(lines));
    }

    @Test
    void duplicateIdsAreFoundAcrossTheCheckpointAndTheRestOfTheInput() throws Exception {
        List<String> lines = new ArrayList<>(TestDocuments.lines(0, DOCS, 23));
        lines.set(DOCS - 5, lines.get(10));
        List<String> inputs = textInput(lines);
        WorkerConfig config = config(inputs);
        assertThatThrownBy(() -> run(dyingAfterCheckpoints(store, 2), config)).isInstanceOf(InjectedCrash.class);
        String id = ids(List.of(lines.get(10))).getFirst();
        assertThatThrownBy(() -> run(store, config)).isInstanceOf(BadInputException.class).hasMessageContaining("\"" + id + "\"");
    }

    @Test
    void aTruncatedRecordIsNamedAndAFreshBuildFollows() throws Exception {
        List<String> lines = TestDocuments.lines(0, DOCS, 24);
        WorkerConfig config = config(textInput(lines));
        // A truncated record (a crash in the middle of writing it, on a store without atomic puts).
        String record = crashAfterOneCheckpoint(config);
        byte[] bytes = read(record);
        store.put(record, Payload.of(Arrays.copyOf(bytes, bytes.length / 2)));
        WorkerResult fresh = run(store, config);
        assertFreshAndWhole(fresh, lines, record, "unreadable");
    }

    @Test
    void aFlippedByteInACheckpointSegmentIsNamedAndAFreshBuildFollows() throws Exception {
        List<String> lines = TestDocuments.lines(0, DOCS, 25);
        WorkerConfig config = config(textInput(lines));
        String record = crashAfterOneCheckpoint(config);
        CheckpointRecord checkpoint = StoredJson.read(store, record, CheckpointRecord.class);
        CheckpointRecord.StoredFile largest = checkpoint.files().stream()
                .max(Comparator.comparingLong(file -> file.file().size())).orElseThrow();
        byte[] bytes = read(largest.key());
        bytes[bytes.length / 2] ^= 0x10;
        store.put(largest.key(), Payload.of(bytes));
        WorkerResult fresh = run(store, config);
        assertFreshAndWhole(fresh, lines, record, largest.key());
    }

    @Test
    void aCheckpointOfOtherInputIsNamedAndAFreshBuildFollows() throws Exception {
        List<String> lines = TestDocuments.lines(0, DOCS, 26);
        List<String> inputs = textInput(lines);
        String record = crashAfterOneCheckpoint(config(inputs));
        // The input changed between the runs: one more file.
        List<String> more = TestDocuments.lines(DOCS, 50, 27);
        TestDocuments.write(temp.resolve("in/later.jsonl"), more);
        List<String> all = new ArrayList<>(lines);
        all.addAll(more);
        WorkerResult fresh = run(store, config(inputs));
        assertFreshAndWhole(fresh, all, record, "other input");
    }

    /** A run that dies at its first write after its first checkpoint; that checkpoint's record. */
    private String crashAfterOneCheckpoint(WorkerConfig config) throws Exception {
        assertThatThrownBy(() -> run(dyingAfterCheckpoints(store, 1), config)).isInstanceOf(InjectedCrash.class);
        return onlyRecord();
    }

    private void assertFreshAndWhole(WorkerResult result, List<String> lines, String record, String reason) throws Exception {
        assertThat(result.checkpoints().resumed()).as("not resumed").isNull();
        assertThat(result.checkpoints().ignored()).singleElement().asString().contains(record).contains(reason);
        assertThat(result.docs()).isEqualTo(lines.size());
        assertThat(stagedIds()).isEqualTo(ids(lines));
    }

    private String onlyRecord() {
        List<String> records = store.list(IndexLayout.checkpointsPrefix(0)).stream().map(ObjectInfo::key)
                .filter(key -> IndexLayout.checkpointRecord(key).isPresent()).toList();
        assertThat(records).hasSize(1);
        return records.getFirst();
    }

    private byte[] read(String key) throws Exception {
        try (ObjectStream stream = store.get(key)) {
            return stream.readAllRemaining();
        }
    }

    @Test
    void aWorkerWithoutCheckpointsTakesNoneAndAutoTakesNoneForASmallShare() throws Exception {
        List<String> lines = TestDocuments.lines(0, 2_000, 28);
        List<String> inputs = textInput(lines);
        WorkerResult auto = run(store, config(inputs).withCheckpoints(CheckpointInterval.AUTO));
        assertThat(auto.checkpoints().taken()).isZero();
        assertThat(new TreeSet<>(stagedIds())).hasSize(2_000);
        assertThat(CheckpointInterval.AUTO.forShare(CheckpointInterval.AUTO_MIN_BYTES)).contains(CheckpointInterval.AUTO_EVERY);
        assertThat(CheckpointInterval.AUTO.forShare(CheckpointInterval.AUTO_MIN_BYTES - 1)).isEmpty();
    }
}
