package dev.ftindex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.testing.ReferenceIndex.Scored;
import dev.ftindex.search.testing.ReferenceIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `ftindex compact`: a committed index merged into fewer partitions keeps its documents, its
 * statistics and its results (ids and scores, bit for bit, in the same order), whether every
 * group is merged here or each by a worker of its own; and what cannot be compacted is refused
 * with the reason.
 */
class CompactCommandTest {
    private static final int DOCS = 4_000;

    @TempDir
    Path temp;

    private final CliRunner cli = new CliRunner();
    private List<String> lines;
    private Path spec;

    @BeforeEach
    void input() throws Exception {
        lines = TestDocuments.lines(0, DOCS, 26);
        for (int f = 0; f < 3; f++) {
            TestDocuments.write(temp.resolve("in/docs-" + f + (f == 2 ? ".jsonl.gz" : ".jsonl")),
                    lines.subList(f * DOCS / 3, f == 2 ? DOCS : (f + 1) * DOCS / 3));
        }
        spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
    }


    private List<Scored> search(String query, String... where) {
        List<String> args = new ArrayList<>(List.of("search", "--k", "40", "--json", "--cache-dir", temp.resolve("cache").toString()));
        args.addAll(List.of(where));
        args.add(query);
        List<Scored> hits = new ArrayList<>();
        for (JsonNode hit : cli.ok(args.toArray(String[]::new)).json().get("hits")) {
            hits.add(Scored.of(hit.get("id").asText(), Float.parseFloat(hit.get("score").toString())));
        }
        return hits;
    }

    private static IndexMetadata metadata(Path root) {
        try (ObjectStore store = ObjectStores.local(root)) {
            return new IndexRoot(store).requireCommit().metadata();
        }
    }

    @Test
    void eightPartitionsCompactedIntoThreeAndOneSearchExactlyAlike() throws Exception {
        Path base = temp.resolve("base");
        cli.ok("build", "--index", base.toString(), "--spec", spec.toString(), "--input", temp.resolve("in").toString(), "--workers", "8",
                "--threads", "1", "--min-split-mb", "0.02");
        IndexMetadata before = metadata(base);
        assertThat(before.partitions()).hasSize(8);

        try (ReferenceIndex reference = new ReferenceIndex(IndexSpec.read(spec), lines, temp.resolve("reference"))) {
            for (int partitions : new int[] {3, 1}) {
                Path compacted = temp.resolve("compacted-" + partitions);
                CliRunner.Run compact = cli.ok("compact", "--index", compacted.toString(), "--base", base.toString(), "--partitions",
                        String.valueOf(partitions), "--workers", "2");
                assertThat(compact.json().get("status").asText()).isEqualTo("committed");
                assertThat(compact.json().get("workers")).hasSize(partitions);

                IndexMetadata after = metadata(compacted);
                assertThat(after.partitions()).hasSize(partitions);
                assertThat(after.totals().docs()).isEqualTo(DOCS);
                assertThat(after.fieldStats()).as("every field's statistics, summed").isEqualTo(before.fieldStats());
                assertThat(after.specFingerprint()).isEqualTo(before.specFingerprint());
                // Contiguous groups in the base's order: 8 into 3 is 2, 3 and 3 partitions.
                long[] expectedDocs = partitions == 3
                        ? new long[] {docs(before, 0, 2), docs(before, 2, 5), docs(before, 5, 8)}
                        : new long[] {DOCS};
                assertThat(after.partitions().stream().mapToLong(IndexMetadata.CommittedPartition::docCount).toArray()).isEqualTo(expectedDocs);

                for (String query : BuildEquivalenceTest.QUERIES) {
                    List<Scored> hits = search(query, "--index", compacted.toString());
                    assertThat(hits).as("%s, %d partitions", query, partitions).isNotEmpty()
                            .isEqualTo(search(query, "--index", base.toString())).isEqualTo(reference.search(query, 40));
                }
            }
        }
        assertThat(metadata(base)).as("the base is only read").isEqualTo(before);
    }

    private static long docs(IndexMetadata metadata, int from, int to) {
        return metadata.partitions().subList(from, to).stream().mapToLong(IndexMetadata.CommittedPartition::docCount).sum();
    }

    @Test
    void compactionWorkersOfACollectionStageTheirGroupsAndTheFinalizerCommitsThem() throws Exception {
        String collection = temp.resolve("products").toString();
        cli.ok("build", "--collection", collection, "--generation", "g1", "--spec", spec.toString(), "--input",
                temp.resolve("in").toString(), "--workers", "4", "--threads", "1", "--min-split-mb", "0.02");
        cli.ok("publish", "--collection", collection, "--generation", "g1");

        CliRunner.Run first = cli.ok("compact", "--collection", collection, "--base", "g1", "--generation", "g2", "--partitions", "2",
                "--partition", "1");
        assertThat(first.json().get("status").asText()).isEqualTo("staged");
        assertThat(first.json().get("input").get("files").asInt()).as("base partitions merged").isEqualTo(2);
        CliRunner.Run again = cli.ok("compact", "--collection", collection, "--base", "g1", "--generation", "g2", "--partitions", "2",
                "--partition", "1");
        assertThat(again.json().get("status").asText()).as("a retry of a staged group").isEqualTo("already-staged");
        assertThat(cli.run("finalize", "--collection", collection, "--generation", "g2").exitCode()).as("group 0 is missing").isEqualTo(4);
        cli.ok("compact", "--collection", collection, "--base", "g1", "--generation", "g2", "--partitions", "2", "--partition", "0");
        CliRunner.Run committed = cli.ok("finalize", "--collection", collection, "--generation", "g2");
        assertThat(committed.json().get("partitions").asInt()).isEqualTo(2);
        assertThat(committed.json().get("docs").asLong()).isEqualTo(DOCS);

        for (String query : BuildEquivalenceTest.QUERIES) {
            assertThat(search(query, "--collection", collection, "--generation", "g2")).as(query).isNotEmpty()
                    .isEqualTo(search(query, "--collection", collection, "--generation", "g1"));
        }
    }

    /**
     * A base committed with ids in two partitions (--allow-duplicate-ids) compacts without a flag
     * and keeps every record: ids that land in one merged partition are counted there, ids still in
     * two partitions are committed as the base committed them, by one compaction here and by
     * compaction workers with a finalize of their own alike.
     */
    @Test
    void aBaseCommittedWithDuplicateIdsCompactsKeepingThem() throws Exception {
        Path base = temp.resolve("dup-base");
        // Partition 2 holds documents 400..799: 200 ids of partition 0 and 200 of partition 1.
        int[][] ranges = {{0, 600}, {600, 1200}, {400, 800}, {1200, 1500}};
        for (int p = 0; p < ranges.length; p++) {
            Path input = TestDocuments.write(temp.resolve("dup/p" + p + ".jsonl"), lines.subList(ranges[p][0], ranges[p][1]));
            cli.ok("build-partition", "--index", base.toString(), "--spec", spec.toString(), "--input", input.toString(), "--partition",
                    String.valueOf(p), "--threads", "1");
        }
        assertThat(cli.run("finalize", "--index", base.toString()).exitCode()).isEqualTo(3);
        JsonNode committed = cli.ok("finalize", "--index", base.toString(), "--allow-duplicate-ids").json();
        assertThat(committed.get("crossDuplicateIds").asLong()).isEqualTo(400);
        assertThat(committed.get("docs").asLong()).isEqualTo(1_900);

        // 4 into 2: partitions 0+1 and 2+3, so the 400 ids stay in two partitions.
        Path two = temp.resolve("dup-two");
        JsonNode compacted = cli.ok("compact", "--index", two.toString(), "--base", base.toString(), "--partitions", "2").json();
        assertThat(compacted.get("docs").asLong()).isEqualTo(1_900);
        assertThat(compacted.get("crossDuplicateIds").asLong()).isEqualTo(400);
        assertThat(compacted.get("notes").toString()).contains("as in index " + metadata(base).indexId());
        // 4 into 1: all of them inside the one partition.
        Path one = temp.resolve("dup-one");
        cli.ok("compact", "--index", one.toString(), "--base", base.toString(), "--partitions", "1");
        IndexMetadata merged = metadata(one);
        assertThat(merged.crossDuplicateIds()).isNull();
        assertThat(merged.partitions().getFirst().duplicateIds()).isEqualTo(400);
        assertThat(cli.ok("status", "--index", one.toString()).out()).contains("duplicates:  0 ids in more than one partition, 400 more than"
                + " once inside a partition");
        // Compaction workers, then a finalize told nothing.
        Path workers = temp.resolve("dup-workers");
        for (int group = 0; group < 2; group++) {
            cli.ok("compact", "--index", workers.toString(), "--base", base.toString(), "--partitions", "2", "--partition",
                    String.valueOf(group));
        }
        assertThat(cli.ok("finalize", "--index", workers.toString()).json().get("crossDuplicateIds").asLong()).isEqualTo(400);

        for (Path compaction : List.of(two, one, workers)) {
            assertThat(search("id:doc-500", "--index", compaction.toString())).as("both records of doc-500 in " + compaction).hasSize(2);
            for (String query : BuildEquivalenceTest.QUERIES) {
                assertThat(search(query, "--index", compaction.toString())).as(query).isNotEmpty()
                        .isEqualTo(search(query, "--index", base.toString()));
            }
        }
    }

    @Test
    void whatCannotBeCompactedIsRefusedWithTheReason() throws Exception {
        Path base = temp.resolve("base");
        cli.ok("build", "--index", base.toString(), "--spec", spec.toString(), "--input", temp.resolve("in").toString(), "--workers", "2",
                "--threads", "1", "--min-split-mb", "0.02");

        CliRunner.Run tooMany = cli.run("compact", "--index", temp.resolve("c1").toString(), "--base", base.toString(), "--partitions", "3");
        assertThat(tooMany.exitCode()).as(tooMany.toString()).isEqualTo(2);
        assertThat(tooMany.err()).contains("cannot compact 2 partitions into 3");

        CliRunner.Run noCount = cli.run("compact", "--index", temp.resolve("c2").toString(), "--base", base.toString());
        assertThat(noCount.exitCode()).isEqualTo(2);
        assertThat(noCount.err()).contains("--partitions is required");

        CliRunner.Run uncommitted = cli.run("compact", "--index", temp.resolve("c3").toString(), "--base", temp.resolve("nothing").toString(),
                "--partitions", "1");
        assertThat(uncommitted.exitCode()).as(uncommitted.toString()).isEqualTo(4);

        CliRunner.Run intoItself = cli.run("compact", "--index", base.toString(), "--base", base.toString(), "--partitions", "1");
        assertThat(intoItself.exitCode()).as(intoItself.toString()).isEqualTo(5);
        assertThat(metadata(base).partitions()).hasSize(2);
    }
}
