package dev.ftindex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --base} from the command line: a generation appended to another searches exactly like a
 * build of all the input, ids already in the base fail the build (exit 3) unless allowed, and gc
 * removes the base once it is superseded while the appended generation stays whole.
 */
class AppendCommandTest {
    @TempDir
    Path temp;

    private final CliRunner cli = new CliRunner();

    @Test
    void anAppendedGenerationSearchesLikeAWholeBuildAndOutlivesItsBase() throws Exception {
        String collection = temp.resolve("c").toString();
        String cache = temp.resolve("cache").toString();
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        Path old = TestDocuments.write(temp.resolve("in/old.jsonl"), TestDocuments.lines(0, 700, 11));
        Path fresh = TestDocuments.write(temp.resolve("in/new.jsonl"), TestDocuments.lines(700, 400, 12));

        cli.ok("build", "--collection", collection, "--generation", "g1", "--spec", spec.toString(), "--input", old.toString(), "--workers", "3");
        // The workers of an append take the base's spec (no --spec) and are numbered from 0; the finalizer numbers them after the base's.
        for (int partition = 0; partition < 2; partition++) {
            cli.ok("build-partition", "--collection", collection, "--generation", "g2", "--base", "g1", "--input", fresh.toString(),
                    "--partition", String.valueOf(partition), "--partitions", "2");
        }
        CliRunner.Run withoutBase = cli.run("finalize", "--collection", collection, "--generation", "g2");
        assertThat(withoutBase.exitCode()).as(withoutBase.toString()).isEqualTo(5);
        assertThat(withoutBase.err()).contains("finalize with --base g1");
        JsonNode finalized = cli.ok("finalize", "--collection", collection, "--generation", "g2", "--base", "g1").json();
        assertThat(finalized.path("partitions").asInt()).isEqualTo(5);
        assertThat(finalized.path("basePartitions").asInt()).isEqualTo(3);
        assertThat(finalized.path("docs").asLong()).isEqualTo(1100);
        String status = cli.ok("status", "--collection", collection, "--generation", "g2").out();
        assertThat(status).contains("appended to: generation g1").contains("base partition 2").contains("built (partition 1)");

        cli.ok("build", "--index", temp.resolve("whole").toString(), "--spec", spec.toString(), "--input", temp.resolve("in").toString(),
                "--workers", "2");
        for (String query : List.of("index", "search partition", "lucene OR storage", "\"object storage\"", "commit -merge", "segm*",
                "history music")) {
            assertThat(hits(cli.ok("search", "--collection", collection, "--generation", "g2", "--cache-dir", cache, "--json", "--k", "50", query)))
                    .as(query).isNotEmpty()
                    .isEqualTo(hits(cli.ok("search", "--index", temp.resolve("whole").toString(), "--cache-dir", cache, "--json", "--k", "50",
                            query)));
        }

        // g1 superseded by g2, g2 current: gc removes g1 at once, and g2, which holds copies of g1's partitions, verifies in full.
        cli.ok("publish", "--collection", collection, "--generation", "g1");
        cli.ok("publish", "--collection", collection, "--generation", "g2");
        cli.ok("gc", "--collection", collection, "--delete", "--grace", "0s", "--keep", "0");
        assertThat(Files.exists(temp.resolve("c/generations/g1/metadata.lance"))).as("g1 is kept while it is the previous").isTrue();
        assertThat(cli.ok("verify", "--collection", collection, "--generation", "g2").json().path("status").asText()).isEqualTo("ok");
        // One more publish makes g1 neither current nor previous.
        cli.ok("build", "--collection", collection, "--generation", "g3", "--base", "g2", "--input",
                TestDocuments.write(temp.resolve("third.jsonl"), TestDocuments.lines(1100, 50, 13)).toString(), "--workers", "1");
        cli.ok("publish", "--collection", collection, "--generation", "g3");
        JsonNode gc = cli.ok("gc", "--collection", collection, "--delete", "--grace", "0s", "--keep", "0").json();
        assertThat(gc.toString()).contains("g1");
        assertThat(Files.exists(temp.resolve("c/generations/g1"))).as("g1 removed").isFalse();
        JsonNode verified = cli.ok("verify", "--collection", collection, "--generation", "g2", "--deep").json();
        assertThat(verified.path("status").asText()).isEqualTo("ok");
        assertThat(verified.path("partitions").asInt()).isEqualTo(5);
        assertThat(verified.path("problems")).isEmpty();
        assertThat(cli.ok("search", "--collection", collection, "--generation", "g2", "--cache-dir", temp.resolve("cache2").toString(), "--json",
                "index").json().path("totalHits").asLong()).isPositive();
        assertThat(cli.ok("search", "--collection", collection, "--cache-dir", cache, "--json", "doc").json().path("generation").asText())
                .isEqualTo("g3");
    }

    @Test
    void idsOfTheNewInputThatTheBaseHoldsFailTheBuildUnlessAllowed() throws Exception {
        String collection = temp.resolve("c").toString();
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        cli.ok("build", "--collection", collection, "--generation", "g1", "--spec", spec.toString(), "--input",
                TestDocuments.write(temp.resolve("old.jsonl"), TestDocuments.lines(0, 300, 21)).toString(), "--workers", "2");
        Path again = TestDocuments.write(temp.resolve("again.jsonl"), TestDocuments.lines(295, 10, 22));

        CliRunner.Run refused = cli.run("build", "--collection", collection, "--generation", "g2", "--base", "g1", "--input", again.toString(),
                "--workers", "1");

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
        assertThat(refused.err()).contains("5 ids of the new input").contains("\"doc-295\" in base generation g1 partition")
                .contains("new partition 0").contains("--allow-duplicate-ids").contains("this build removed what it staged");
        assertThat(cli.run("status", "--collection", collection, "--generation", "g2").out()).contains("not committed")
                .contains("staged:      0 partitions");

        JsonNode allowed = cli.ok("build", "--collection", collection, "--generation", "g2", "--base", "g1", "--input", again.toString(),
                "--workers", "1", "--allow-duplicate-ids").json();
        assertThat(allowed.path("crossDuplicateIds").asLong()).isEqualTo(5);
        assertThat(allowed.path("docs").asLong()).as("both records of each id are indexed").isEqualTo(310);

        CliRunner.Run otherSpec = cli.run("build-partition", "--collection", collection, "--generation", "g3", "--base", "g1", "--input",
                again.toString(), "--partition", "0");
        assertThat(otherSpec.exitCode()).as("the default spec is the base's: no --spec needed").isZero();
        Path different = Files.writeString(temp.resolve("other-spec.json"), """
                {"idField": "id", "fields": {"title": {"type": "text"}}, "defaultSearchFields": ["title"]}
                """);
        CliRunner.Run refusedSpec = cli.run("build-partition", "--collection", collection, "--generation", "g4", "--base", "g1", "--spec",
                different.toString(), "--input", again.toString(), "--partition", "0");
        assertThat(refusedSpec.exitCode()).as(refusedSpec.toString()).isEqualTo(5);
        assertThat(refusedSpec.err()).contains("leave --spec out");
    }

    private static List<String> hits(CliRunner.Run run) {
        List<String> hits = new ArrayList<>();
        run.json().path("hits").forEach(hit -> hits.add(hit.path("id").asText() + "=" + hit.path("score").asText()));
        return hits;
    }
}
