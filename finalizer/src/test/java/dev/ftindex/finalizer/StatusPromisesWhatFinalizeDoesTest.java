package dev.ftindex.finalizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CountSource;
import dev.ftindex.format.FinalizePlan;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.IndexStatus;
import dev.ftindex.format.Json;
import dev.ftindex.format.PartitionsMissingException;
import dev.ftindex.format.Verdict;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code status} and {@code finalize} decide through one {@link IndexRoot#verdict}: for every
 * combination of flag (none, equal to, below and above what is staged), manifests (agreeing on a
 * count, disagreeing, stating none), a frozen plan or not, and all or some partitions staged,
 * the verdict status shows is what finalize then does, with the count it says.
 */
class StatusPromisesWhatFinalizeDoesTest {
    enum Stated { AGREE, DISAGREE, SILENT }

    @TempDir
    static Path temp;

    /** Staged roots, built once per (manifests, staged partitions) and copied for each case. */
    static final Map<String, Map<String, byte[]>> TEMPLATES = new HashMap<>();

    @BeforeAll
    static void stage() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 60, 3));
        for (Stated stated : Stated.values()) {
            for (boolean all : new boolean[] {true, false}) {
                try (ObjectStore store = InMemoryObjectStore.create()) {
                    for (int partition : all ? new int[] {0, 1, 2} : new int[] {0, 2}) {
                        Optional<Integer> count = switch (stated) {
                            case AGREE -> Optional.of(3);
                            case DISAGREE -> Optional.of(partition == 2 ? 4 : 3);
                            case SILENT -> Optional.empty();
                        };
                        // A worker told no count indexes all it is given: give each a slice of its own, as a job must.
                        Path share = count.isPresent() ? input : TestDocuments.write(temp.resolve("in-" + partition + ".jsonl"),
                                TestDocuments.lines(partition * 20, 20, 3));
                        new Worker(store, WorkerConfig.builder(TestDocuments.spec(), List.of(share.toString()), partition)
                                .partitions(count).threads(1).ramBufferMb(16).workDirectory(Optional.of(temp.resolve("work")))
                                .build(), location -> null, Progress.silent()).run();
                    }
                    TEMPLATES.put(stated + "/" + all, snapshot(store));
                }
            }
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Stated stated : Stated.values()) {
            for (boolean all : new boolean[] {true, false}) {
                for (boolean frozen : new boolean[] {false, true}) {
                    for (Integer flag : new Integer[] {null, 3, 2, 4}) {
                        cases.add(Arguments.of(stated, all, frozen, flag));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "manifests {0}, all staged {1}, plan frozen {2}, flag {3}")
    @MethodSource("cases")
    void statusShowsWhatFinalizeThenDoes(Stated stated, boolean all, boolean frozen, Integer flag) throws Exception {
        try (ObjectStore store = restore(TEMPLATES.get(stated + "/" + all))) {
            if (frozen) {
                freezeWhatIsStaged(store);
            }
            Optional<Integer> expected = Optional.ofNullable(flag);

            IndexStatus.Report report = IndexStatus.inspect(store, expected);
            Verdict.Action promised = report.verdict().action();
            Verdict.Action done;
            FinalizeResult result = null;
            try {
                result = new Finalizer(store, FinalizerConfig.defaults().withExpectedPartitions(flag).withConcurrency(2), Progress.silent()).run();
                done = Verdict.Action.COMMIT;
            } catch (PartitionsMissingException e) {
                done = Verdict.Action.WAIT;
                assertThat(report.expectation().missing()).as("the missing ids status names").isEqualTo(e.missing());
            } catch (ConflictException e) {
                done = Verdict.Action.CONFLICT;
                assertThat(report.verdict().message()).isEqualTo(e.getMessage());
            }

            assertThat(done).as(report.verdict().message()).isEqualTo(promised);
            if (result != null) {
                assertThat(result.status()).isEqualTo(FinalizeResult.Status.COMMITTED);
                if (frozen) {
                    assertThat(report.expectation().expectedFrom()).isEqualTo("plan");
                    assertThat(report.expectation().expectedPartitions()).isEqualTo(result.index().partitions());
                } else if (result.planning().partitionCount() != CountSource.STAGED) {
                    assertThat(report.expectation().expectedFrom()).isEqualTo(result.planning().partitionCount().json());
                    assertThat(report.expectation().expectedPartitions()).isEqualTo(result.index().partitions());
                }
                assertThat(IndexStatus.inspect(store, expected).verdict().action()).isEqualTo(Verdict.Action.COMMITTED);
            }
        }
    }

    /** As a finalizer told to expect what is staged would have frozen it before it died. */
    private static void freezeWhatIsStaged(ObjectStore store) {
        IndexRoot root = new IndexRoot(store);
        int staged = root.stagedPartitions().size();
        FinalizePlan plan = FinalizePlan.create(root.manifests(), staged, CountSource.FLAG);
        store.putIfAbsent(IndexLayout.PLAN, Payload.of(Json.writeChecksummed(plan)));
    }

    private static Map<String, byte[]> snapshot(ObjectStore store) throws Exception {
        Map<String, byte[]> objects = new HashMap<>();
        for (ObjectInfo object : store.list("")) {
            try (ObjectStream stream = store.get(object.key())) {
                objects.put(object.key(), stream.readAllRemaining());
            }
        }
        return objects;
    }

    private static ObjectStore restore(Map<String, byte[]> objects) {
        ObjectStore store = InMemoryObjectStore.create();
        objects.forEach((key, bytes) -> store.put(key, Payload.of(bytes)));
        return store;
    }
}
