package dev.ftindex.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.SearchResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compaction worker ({@code ftindex compact --partition}) killed with SIGKILL in each of its
 * stages, then run again, converges like any worker: the rerun stages the group, the finalizer
 * commits, and the compacted index answers every query with the ids and scores of its base, in
 * the same order.
 */
class CompactKillEndToEndTest {
    private static final List<String> STAGES = List.of("fetching", "adding", "merging", "uploading");

    @TempDir
    Path temp;

    @Test
    void aCompactionWorkerKilledInEachStageConvergesOnARerun() throws Exception {
        Ftindex ftindex = new Ftindex(Map.of());
        List<String> lines = TestDocuments.lines(0, 20_000, 26);
        TestDocuments.write(temp.resolve("in/docs.jsonl"), lines);
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        Path base = temp.resolve("base");
        Ftindex.Result built = ftindex.run("build", "--index", base.toString(), "--input", temp.resolve("in").toString(), "--spec",
                spec.toString(), "--workers", "4", "--threads", "1", "--min-split-mb", "0.1");
        assertThat(built.exitCode()).as(built.toString()).isZero();
        Random random = new Random(26);

        for (String stage : STAGES) {
            Path compacted = temp.resolve("compacted-" + stage);
            String[] worker = {"compact", "--index", compacted.toString(), "--base", base.toString(), "--partitions", "2", "--partition", "0",
                "--progress", "json"};
            Ftindex.Running running = ftindex.start(worker);
            String seen = running.awaitLine(line -> EndToEndSuite.stageStarted(line, stage), Duration.ofSeconds(60));
            assertThat(seen).as("reached %s\n%s", stage, running.stderrSoFar()).isNotNull();
            Thread.sleep(random.nextInt(30));
            running.kill9();
            boolean stagedBeforeTheKill;
            try (ObjectStore store = ObjectStores.local(compacted)) {
                stagedBeforeTheKill = !store.list(IndexLayout.manifestKey(0)).isEmpty();
            }
            // Killed while uploading, a small group may have finished (its manifest is written last, whole);
            // before that stage nothing is staged.
            assertThat(stagedBeforeTheKill).as("killed in %s: nothing staged", stage).isEqualTo(stagedBeforeTheKill && stage.equals("uploading"));

            Ftindex.Result rerun = ftindex.run(worker);
            assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
            assertThat(rerun.json().path("status").asText()).isEqualTo(stagedBeforeTheKill ? "already-staged" : "staged");
            Ftindex.Result other = ftindex.run("compact", "--index", compacted.toString(), "--base", base.toString(), "--partitions", "2",
                    "--partition", "1");
            assertThat(other.exitCode()).as(other.toString()).isZero();
            Ftindex.Result committed = ftindex.run("finalize", "--index", compacted.toString(), "--expected-partitions", "2");
            assertThat(committed.exitCode()).as(committed.toString()).isZero();

            try (ObjectStore baseStore = ObjectStores.local(base);
                 ObjectStore compactedStore = ObjectStores.local(compacted);
                 CommittedIndex before = CommittedIndex.open(baseStore, temp.resolve("cache"), 2, Progress.silent());
                 CommittedIndex after = CommittedIndex.open(compactedStore, temp.resolve("cache"), 2, Progress.silent())) {
                assertThat(after.metadata().partitions()).hasSize(2);
                assertThat(after.metadata().totals().docs()).isEqualTo(lines.size());
                assertThat(after.metadata().fieldStats()).isEqualTo(before.metadata().fieldStats());
                assertThat(compactedStore.list(IndexLayout.STAGING)).as("killed in %s: staging removed", stage).isEmpty();
                for (String query : List.of("index", "search partition", "lucene OR storage", "\"object storage\"", "commit -merge",
                        "retry crash network", "segm*")) {
                    SearchResult expected = before.search(query, 20);
                    SearchResult actual = after.search(query, 20);
                    assertThat(actual.hits()).as("killed in %s: %s", stage, query).isNotEmpty();
                    assertThat(actual.hits().stream().map(hit -> hit.id() + "=" + hit.score()).toList()).as("killed in %s: %s", stage, query)
                            .isEqualTo(expected.hits().stream().map(hit -> hit.id() + "=" + hit.score()).toList());
                }
            }
        }
    }
}
