package dev.ftindex.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.testing.TestDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collection verbs from the command line: build into generations, publish, roll back, gc, and readers that resolve the alias. */
class CollectionCommandsTest {
    @TempDir
    Path temp;

    private final CliRunner cli = new CliRunner();

    @Test
    void buildPublishSearchRollBackAndCollectGarbage() throws Exception {
        String collection = temp.resolve("products").toString();
        String cache = temp.resolve("cache").toString();
        Path first = TestDocuments.write(temp.resolve("first.jsonl"), TestDocuments.lines(0, 200, 1));
        Path second = TestDocuments.write(temp.resolve("second.jsonl"), TestDocuments.lines(0, 300, 2));

        // Workers and the finalizer target a generation; publishing it makes it what readers see.
        for (int partition = 0; partition < 2; partition++) {
            cli.ok("build-partition", "--collection", collection, "--generation", "2026-11-30", "--input", first.toString(),
                    "--partition", String.valueOf(partition), "--partitions", "2");
        }
        CliRunner.Run notYet = cli.run("publish", "--collection", collection, "--generation", "2026-11-30");
        assertThat(notYet.exitCode()).as(notYet.toString()).isEqualTo(4);
        assertThat(notYet.err()).contains("generations/2026-11-30/").contains("finalize");
        JsonNode finalized = cli.ok("finalize", "--collection", collection, "--generation", "2026-11-30").json();
        assertThat(finalized.path("index").asText()).endsWith("products/generations/2026-11-30/");
        CliRunner.Run unpublished = cli.run("search", "--index", collection, "--cache-dir", cache, "index");
        assertThat(unpublished.exitCode()).isEqualTo(4);
        assertThat(unpublished.err()).contains("no published generation yet").contains("ftindex publish");

        JsonNode published = cli.ok("publish", "--collection", collection, "--generation", "2026-11-30").json();
        assertThat(published.path("status").asText()).isEqualTo("published");
        assertThat(published.path("alias").path("version").asLong()).isEqualTo(1);
        cli.ok("build", "--collection", collection, "--generation", "2026-12-01", "--input", second.toString(), "--workers", "2");
        cli.ok("publish", "--collection", collection, "--generation", "2026-12-01");

        JsonNode viaIndex = cli.ok("search", "--index", collection, "--cache-dir", cache, "--json", "index").json();
        JsonNode viaCollection = cli.ok("search", "--collection", collection, "--cache-dir", cache, "--json", "index").json();
        assertThat(viaIndex.path("generation").asText()).isEqualTo("2026-12-01");
        assertThat(viaIndex.path("hits")).isEqualTo(viaCollection.path("hits"));
        assertThat(viaIndex.path("totalHits").asLong()).isEqualTo(cli.ok("search", "--collection", collection, "--generation", "2026-12-01",
                "--cache-dir", cache, "--json", "index").json().path("totalHits").asLong());
        JsonNode older = cli.ok("search", "--collection", collection, "--generation", "2026-11-30", "--cache-dir", cache, "--json", "index").json();
        assertThat(older.path("generation").asText()).isEqualTo("2026-11-30");
        assertThat(cli.ok("verify", "--index", collection).json().path("generation").asText()).isEqualTo("2026-12-01");

        CliRunner.Run status = cli.ok("status", "--collection", collection);
        assertThat(status.out()).contains("current:     2026-12-01").contains("previous:    2026-11-30").contains("publish");
        JsonNode statusJson = cli.ok("status", "--index", collection, "--json").json();
        assertThat(statusJson.path("history")).hasSize(2);
        assertThat(statusJson.path("generations")).hasSize(2);

        JsonNode rolledBack = cli.ok("rollback", "--collection", collection).json();
        assertThat(rolledBack.path("generation").asText()).isEqualTo("2026-11-30");
        assertThat(rolledBack.path("alias").path("reason").asText()).isEqualTo("rollback");
        assertThat(cli.ok("search", "--index", collection, "--cache-dir", cache, "--json", "index").json().path("generation").asText())
                .isEqualTo("2026-11-30");

        // A third generation, then gc: a dry run by default; with a zero grace period, it removes what nothing names.
        cli.ok("build", "--collection", collection, "--generation", "2026-12-02", "--input", first.toString(), "--workers", "1");
        cli.ok("publish", "--collection", collection, "--generation", "2026-12-02");
        JsonNode dryRun = cli.ok("gc", "--collection", collection, "--grace", "0s").json();
        assertThat(dryRun.path("dryRun").asBoolean()).isTrue();
        assertThat(dryRun.path("removableBytes").asLong()).isPositive();
        assertThat(Files.exists(temp.resolve("products/generations/2026-12-01/metadata.lance"))).isTrue();
        // Now current 2026-12-02, previous 2026-11-30: 2026-12-01 is superseded.
        JsonNode deleted = cli.ok("gc", "--collection", collection, "--grace", "0s", "--delete").json();
        assertThat(deleted.path("dryRun").asBoolean()).isFalse();
        List<String> removed = new ArrayList<>();
        deleted.path("generations").forEach(g -> {
            if (g.path("removed").asBoolean()) {
                removed.add(g.path("generation").asText());
            }
        });
        assertThat(removed).containsExactly("2026-12-01");
        assertThat(Files.exists(temp.resolve("products/generations/2026-12-01"))).isFalse();
        assertThat(cli.ok("gc", "--collection", collection, "--grace", "1h").json().path("removableObjects").asLong()).isZero();

        CliRunner.Run badGrace = cli.run("gc", "--collection", collection, "--grace", "soon");
        assertThat(badGrace.exitCode()).isEqualTo(2);
        assertThat(badGrace.err()).contains("--grace").contains("1h");
        CliRunner.Run both = cli.run("search", "--index", collection, "--collection", collection, "x");
        assertThat(both.exitCode()).isEqualTo(2);
        CliRunner.Run noGeneration = cli.run("finalize", "--collection", collection);
        assertThat(noGeneration.exitCode()).isEqualTo(2);
        assertThat(noGeneration.err()).contains("--generation");
        CliRunner.Run badId = cli.run("publish", "--collection", collection, "--generation", "../etc");
        assertThat(badId.exitCode()).isEqualTo(2);
    }

    @Test
    void twoHundredQueriesFromAFileGiveTheHitsOfTwoHundredSingleSearches() throws Exception {
        String index = temp.resolve("idx").toString();
        String cache = temp.resolve("cache").toString();
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 1500, 3));
        cli.ok("build", "--index", index, "--input", input.toString(), "--workers", "3");
        String[] words = {"index", "search", "lucene", "storage", "commit", "segment", "query", "retry", "crash", "cache", "batch", "node"};
        Random random = new Random(11);
        List<String> topics = new ArrayList<>();
        topics.add("# id<TAB>query");
        for (int q = 0; q < 200; q++) {
            String query = switch (q % 4) {
                case 0 -> words[random.nextInt(words.length)];
                case 1 -> words[random.nextInt(words.length)] + " " + words[random.nextInt(words.length)];
                case 2 -> "\"" + words[random.nextInt(words.length)] + " " + words[random.nextInt(words.length)] + "\"";
                default -> "title:" + words[random.nextInt(words.length)] + " OR " + words[random.nextInt(words.length)];
            };
            topics.add("q" + q + "\t" + query);
        }
        Path topicsFile = Files.write(temp.resolve("topics.tsv"), topics, UTF_8);
        Path run = temp.resolve("run.trec");
        JsonNode batch = cli.ok("search", "--index", index, "--cache-dir", cache, "--queries", topicsFile.toString(), "--output", run.toString(),
                "--k", "50", "--tag", "test").json();
        assertThat(batch.path("queries").asInt()).isEqualTo(200);

        List<String> expected = new ArrayList<>();
        for (String topic : topics.subList(1, topics.size())) {
            String[] parts = topic.split("\t");
            JsonNode single = cli.ok("search", "--index", index, "--cache-dir", cache, "--json", "--k", "50", parts[1]).json();
            int rank = 1;
            for (JsonNode hit : single.path("hits")) {
                expected.add(parts[0] + " Q0 " + hit.path("id").asText() + " " + rank++ + " "
                        + String.format(java.util.Locale.ROOT, "%.6f", hit.path("score").floatValue()) + " test");
            }
        }
        assertThat(Files.readAllLines(run, UTF_8)).isEqualTo(expected);
        assertThat(batch.path("hits").asLong()).isEqualTo(expected.size());

        Path jsonl = temp.resolve("run.jsonl");
        cli.ok("search", "--index", index, "--cache-dir", cache, "--queries", topicsFile.toString(), "--output", jsonl.toString(), "--format", "jsonl",
                "--k", "5");
        List<String> lines = Files.readAllLines(jsonl, UTF_8);
        assertThat(lines).hasSize(200);
        assertThat(dev.ftindex.format.Json.MAPPER.readTree(lines.get(7)).path("qid").asText()).isEqualTo("q7");

        Path bad = Files.write(temp.resolve("bad.tsv"), List.of("q1\tindex", "no tab here", "q1\tagain", "q3\ttitle:("), UTF_8);
        CliRunner.Run failed = cli.run("search", "--index", index, "--cache-dir", cache, "--queries", bad.toString(), "--output",
                temp.resolve("never.trec").toString());
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(3);
        assertThat(failed.err()).contains("bad.tsv:2").contains("bad.tsv:3").contains("already used on line 1");
        assertThat(Files.exists(temp.resolve("never.trec"))).isFalse();
        Path unparsable = Files.write(temp.resolve("unparsable.tsv"), List.of("q1\tindex", "q2\ttitle:("), UTF_8);
        CliRunner.Run parse = cli.run("search", "--index", index, "--cache-dir", cache, "--queries", unparsable.toString(), "--output",
                temp.resolve("never.trec").toString());
        assertThat(parse.exitCode()).isEqualTo(3);
        assertThat(parse.err()).contains("line 2 (query q2)");
        assertThat(Files.exists(temp.resolve("never.trec"))).isFalse();
    }
}
