package dev.ftindex.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a log collector reads from a worker's and a finalizer's stderr with {@code --progress
 * json}: one JSON object a line, each with its time, the verb, the index root, and for the worker
 * its partition and attempt; progress never counts more bytes than it expects; warnings are lines
 * of the same kind (docs/FORMAT.md, "Progress lines").
 */
class ProgressLinesEndToEndTest {
    @TempDir
    Path temp;

    @Test
    void everyLineOfAWorkerAndAFinalizerCarriesTimeVerbIndexAndTheWorkersPartitionAndAttempt() throws Exception {
        Ftindex ftindex = new Ftindex(Map.of());
        List<String> lines = new ArrayList<>(TestDocuments.lines(0, 4_000, 11));
        lines.add(1_000, "{\"id\": \"broken\", \"title\": ");
        lines.add(lines.getFirst());
        Path input = TestDocuments.write(temp.resolve("docs.jsonl"), lines);
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        String index = temp.resolve("idx").toString();

        // Partition 0 of 2 by byte ranges: its last record crosses the end of its split.
        Ftindex.Result worker = ftindex.run(Map.of("FTINDEX_PROGRESS", "json"), "build-partition", "--index", index, "--spec", spec.toString(),
                "--input", input.toString(), "--partition", "0", "--partitions", "2", "--min-split-mb", "0.05", "--skip-bad-records",
                "--allow-duplicate-ids", "--threads", "1");
        assertThat(worker.exitCode()).as(worker.toString()).isZero();
        String attempt = worker.json().path("attempt").asText();
        String root = worker.json().path("index").asText();
        List<JsonNode> workerLines = jsonLines(worker);
        assertThat(workerLines).as("stage events").anySatisfy(line -> assertThat(line.path("event").asText()).isEqualTo("stage-start"));
        assertThat(workerLines).as("the skipped record's warning").anySatisfy(line -> {
            assertThat(line.path("event").asText()).isEqualTo("log");
            assertThat(line.path("level").asText()).isEqualTo("warning");
            assertThat(line.path("message").asText()).contains("skipped 1 bad records");
        });
        for (JsonNode line : workerLines) {
            assertContext(line, "build-partition", root);
            assertThat(line.path("partition").asLong()).as(line.toString()).isZero();
            assertThat(line.path("attempt").asText()).as(line.toString()).isEqualTo(attempt);
        }

        ftindex.run("build-partition", "--index", index, "--spec", spec.toString(), "--input", input.toString(), "--partition", "1",
                "--partitions", "2", "--min-split-mb", "0.05", "--skip-bad-records", "--allow-duplicate-ids", "--threads", "1");
        // The first record is in both partitions too (the input repeats it at the end).
        Ftindex.Result finalize = ftindex.run(Map.of("FTINDEX_PROGRESS", "json"), "finalize", "--index", index, "--allow-duplicate-ids");
        assertThat(finalize.exitCode()).as(finalize.toString()).isZero();
        List<JsonNode> finalizeLines = jsonLines(finalize);
        assertThat(finalizeLines).extracting(line -> line.path("stage").asText()).contains("copying", "committing");
        for (JsonNode line : finalizeLines) {
            assertContext(line, "finalize", root);
            assertThat(line.has("partition")).as("a finalizer has no partition: " + line).isFalse();
        }
    }

    /** Every line of stderr, each of which must be one JSON object. */
    private static List<JsonNode> jsonLines(Ftindex.Result result) throws Exception {
        List<JsonNode> parsed = new ArrayList<>();
        for (String line : result.err().lines().filter(line -> !line.isBlank()).toList()) {
            assertThat(line).as("every line is JSON:\n" + result.err()).startsWith("{");
            parsed.add(Json.MAPPER.readTree(line));
        }
        assertThat(parsed).isNotEmpty();
        return parsed;
    }

    private static void assertContext(JsonNode line, String verb, String root) {
        assertThat(Instant.parse(line.path("time").asText())).as(line.toString()).isBefore(Instant.now().plusSeconds(1));
        assertThat(line.path("verb").asText()).as(line.toString()).isEqualTo(verb);
        assertThat(line.path("index").asText()).as(line.toString()).isEqualTo(root);
        if (line.has("totalBytes") && line.path("totalBytes").asLong() >= 0) {
            assertThat(line.path("bytes").asLong()).as("bytes within totalBytes: " + line).isLessThanOrEqualTo(line.path("totalBytes").asLong());
        }
    }
}
