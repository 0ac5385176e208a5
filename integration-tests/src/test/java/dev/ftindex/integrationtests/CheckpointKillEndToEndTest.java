package dev.ftindex.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.testing.ReferenceIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24's proof with the shipped command: a worker killed with {@code kill -9} at 20 random
 * points of a partition build's progress (checkpoints every 100 ms), each kill followed by a rerun
 * to the end. Every staged partition holds exactly the input's documents, every committed index answers
 * 200 queries with the ids and scores of one plain Lucene index of the same documents, and a rerun
 * that found a checkpoint resumed from it (it indexed fewer documents than the partition holds).
 *
 * <p>Generated documents by default; {@code -Dftindex.corpus=FILE} runs it over a corpus of one's
 * own (../shared/corpus makes the real one).
 */
class CheckpointKillEndToEndTest {
    private static final int TRIALS = 20;

    @TempDir
    Path temp;

    @Test
    void aWorkerKilledAtTwentyRandomMomentsResumesAndCommitsExactlyTheInput() throws Exception {
        Ftindex ftindex = new Ftindex(Map.of());
        IndexSpec spec = TestDocuments.spec();
        List<String> lines = corpus();
        Path inputs = Files.createDirectories(temp.resolve("in"));
        TestDocuments.write(inputs.resolve("docs.jsonl"), lines.subList(0, lines.size() * 2 / 3));
        TestDocuments.write(inputs.resolve("more.jsonl.gz"), lines.subList(lines.size() * 2 / 3, lines.size()));
        Path specFile = Files.write(temp.resolve("spec.json"), Json.write(spec));
        List<String> queries = queries(200);

        // The kill points come from an uninterrupted worker's progress: the start of indexing, the
        // start and end of each checkpoint but its last (a rerun may take one fewer), and the start of
        // merging. A trial waits for one of them in its own progress, then a random 0-200 ms more, and
        // kills: kills land at random points of the build's progress, whatever the machine's speed or
        // load. (Past merging, the local store stages in a few milliseconds: those steps' crashes are
        // WorkerProtocolTest's.)
        Ftindex.Result whole = ftindex.run(worker(temp.resolve("whole"), inputs, specFile, "--progress", "json"));
        assertThat(whole.exitCode()).as(whole.toString()).isZero();
        List<KillPoint> killPoints = KillPoint.of(whole.err());
        System.out.println("kill points: " + killPoints);
        assertThat(killPoints).as("the uninterrupted worker took at least 3 checkpoints\n%s", whole).hasSizeGreaterThanOrEqualTo(6);

        Random random = new Random(24);
        Map<String, Integer> outcomes = new TreeMap<>();
        try (ReferenceIndex reference = new ReferenceIndex(spec, lines, temp.resolve("reference"))) {
            for (int trial = 0; trial < TRIALS; trial++) {
                Path root = temp.resolve("trial-" + trial);
                // Every fifth trial is killed early in indexing, mostly before its first checkpoint.
                KillPoint at = trial % 5 == 0 ? KillPoint.INDEXING : killPoints.get(1 + random.nextInt(killPoints.size() - 1));
                Ftindex.Running running = ftindex.start(worker(root, inputs, specFile, "--progress", "json"));
                int[] seen = {0};
                String reached = running.awaitLine(line -> at.matches(line) && ++seen[0] == at.occurrence(), Duration.ofMinutes(2));
                int delay = random.nextInt(200);
                if (reached != null) {
                    Thread.sleep(delay);
                }
                running.kill9();
                boolean checkpointed = false;
                try (ObjectStore store = ObjectStores.local(root)) {
                    // Killed between staging and removing its checkpoints: the partition is staged, and a
                    // staged partition is never resumed (its manifest is read first).
                    boolean staged = !store.list(IndexLayout.manifestKey(0)).isEmpty();
                    checkpointed = !staged && store.list(IndexLayout.checkpointsPrefix(0)).stream()
                            .anyMatch(object -> IndexLayout.checkpointRecord(object.key()).isPresent());
                } catch (RuntimeException noRootYet) {
                    // killed before it wrote anything
                }
                Ftindex.Result rerun = ftindex.run(worker(root, inputs, specFile));
                assertThat(rerun.exitCode()).as("trial " + trial + "\n" + rerun).isZero();
                JsonNode result = rerun.json();
                assertThat(result.path("docs").asLong()).as("trial " + trial).isEqualTo(lines.size());
                JsonNode resumed = result.path("checkpoints").path("resumed");
                if (checkpointed) {
                    assertThat(resumed.isMissingNode()).as("trial %d: a checkpoint existed, so the rerun resumed\n%s", trial, rerun).isFalse();
                    assertThat(result.path("checkpoints").path("indexed").asLong()).as("trial %d\n%s", trial, rerun).isLessThan(lines.size());
                }
                String outcome = result.path("status").asText().equals("already-staged") ? "staged before the kill"
                        : checkpointed ? "resumed" : "started over (killed before its first checkpoint)";
                outcomes.merge(outcome, 1, Integer::sum);
                System.out.println("trial " + trial + ": killed " + (reached == null ? "after the worker ended" : delay + " ms after " + at)
                        + ": " + outcome);
                Ftindex.Result committed = ftindex.run("finalize", "--index", root.toString());
                assertThat(committed.exitCode()).as(committed.toString()).isZero();
                try (ObjectStore store = ObjectStores.local(root);
                     CommittedIndex index = CommittedIndex.open(store, temp.resolve("cache"), 2, Progress.silent())) {
                    assertThat(index.metadata().totals().docs()).isEqualTo(lines.size());
                    for (String query : queries) {
                        SearchResult found = index.search(query, 10);
                        List<ReferenceIndex.Scored> ours = found.hits().stream().map(hit -> ReferenceIndex.Scored.of(hit.id(), hit.score())).toList();
                        assertThat(ours).as("trial %d, query %s", trial, query).isEqualTo(reference.search(query, 10));
                    }
                }
            }
        }
        System.out.println("checkpoint kill -9: " + TRIALS + " trials over " + killPoints.size() + " kill points: " + outcomes);
        assertThat(outcomes.getOrDefault("resumed", 0)).as("most kills land after a checkpoint").isGreaterThanOrEqualTo(TRIALS / 2);
    }

    /** The {@code occurrence}-th progress event {@code event} of stage {@code stage}. */
    record KillPoint(String event, String stage, int occurrence) {
        static final KillPoint INDEXING = new KillPoint("stage-start", "indexing", 1);

        /** The kill points of a worker's progress lines: see the test. */
        static List<KillPoint> of(String progressLines) throws IOException {
            List<KillPoint> checkpoints = new ArrayList<>();
            for (String line : progressLines.lines().filter(line -> line.startsWith("{")).toList()) {
                JsonNode event = Json.MAPPER.readTree(line);
                String kind = event.path("event").asText();
                if (event.path("stage").asText().equals("checkpointing") && !kind.equals("progress")) {
                    checkpoints.add(new KillPoint(kind, "checkpointing", checkpoints.size() / 2 + 1));
                }
            }
            List<KillPoint> points = new ArrayList<>(List.of(INDEXING));
            points.addAll(checkpoints.subList(0, Math.max(0, checkpoints.size() - 2)));
            points.add(new KillPoint("stage-start", "merging", 1));
            return points;
        }

        boolean matches(String line) {
            return line.contains("\"event\":\"" + event + "\"") && line.contains("\"stage\":\"" + stage + "\"");
        }
    }

    private static String[] worker(Path root, Path inputs, Path spec, String... more) {
        List<String> args = new ArrayList<>(List.of("build-partition", "--index", root.toString(), "--input", inputs.toString(), "--spec",
                spec.toString(), "--partition", "0", "--partitions", "1", "--threads", "2", "--checkpoint-every", "100ms",
                "--ram-buffer-mb", "32"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static List<String> corpus() throws Exception {
        String file = System.getProperty("ftindex.corpus");
        if (file == null) {
            return TestDocuments.lines(0, 40_000, 24);
        }
        return Files.readAllLines(Path.of(file));
    }

    private static List<String> queries(int count) {
        String[] words = ("index search partition lucene storage object finalizer worker commit segment merge query distributed system"
                + " file data record document field term score shard bucket cluster node retry crash network protocol latency").split(" ");
        Random random = new Random(7);
        List<String> queries = new ArrayList<>();
        for (int q = 0; q < count; q++) {
            StringBuilder query = new StringBuilder(words[random.nextInt(words.length)]);
            for (int w = random.nextInt(3); w > 0; w--) {
                query.append(' ').append(words[random.nextInt(words.length)]);
            }
            queries.add(query.toString());
        }
        return queries;
    }
}
