package dev.ftindex.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.Json;
import dev.hardwood.reader.ParquetFileReader;
import dev.hardwood.reader.RowReader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The 27 files of the Apache Parquet compatibility data (test resources {@code parquet-testing/}, written
 * by parquet-mr, Impala, Spark, Arrow and Rust, some broken on purpose): each one either indexes
 * with the spec {@code ftindex inspect} suggests for it, every row of it, or fails with exit 3
 * and a message that names the file; never a crash (exit 1) or a hang.
 */
class ParquetCompatibilityTest {
    @TempDir
    Path temp;

    private final CliRunner cli = new CliRunner();

    /** The 27 files, carried in this module's test resources: a clone without them fails here instead of testing nothing. */
    static Stream<Path> files() throws IOException, URISyntaxException {
        URL readme = ParquetCompatibilityTest.class.getResource("/parquet-testing/README.md");
        assertThat(readme).as("the Apache Parquet compatibility files belong in cli/src/test/resources/parquet-testing").isNotNull();
        List<Path> files;
        try (Stream<Path> listed = Files.list(Path.of(readme.toURI()).getParent())) {
            files = listed.filter(file -> file.toString().endsWith(".parquet")).sorted().toList();
        }
        assertThat(files).as("the compatibility files").hasSize(27);
        return files.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void eachFileIndexesOrFailsWithExitThreeNamingIt(Path file) throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            CliRunner.Run inspected = cli.run("inspect", file.toString(), "--json");
            assertThat(inspected.exitCode()).as(inspected.toString()).isIn(0, 3);
            if (inspected.exitCode() == 3) {
                assertThat(inspected.err()).contains(file.getFileName().toString());
                return;
            }
            JsonNode inspection = inspected.json();
            ObjectNode spec = (ObjectNode) inspection.get("suggestedSpec");
            if (spec.get("defaultSearchFields") == null || spec.get("defaultSearchFields").isEmpty()) {
                // No text column: the ids are what is searched (and with no column beside the id at
                // all, a text field the file lacks makes the mismatch the answer).
                spec.putArray("defaultSearchFields").add(spec.get("idField").asText());
                if (spec.get("fields") == null || spec.get("fields").isEmpty()) {
                    spec.withObject("fields").putObject("text").put("type", "text");
                }
            }
            Path specFile = Files.write(temp.resolve("spec.json"), Json.write(spec));

            CliRunner.Run built = cli.run("build-partition", "--index", temp.resolve("idx").toString(), "--spec", specFile.toString(),
                    "--input", file.toString(), "--partition", "0", "--allow-duplicate-ids", "--threads", "1");

            assertThat(built.exitCode()).as(built.toString()).isIn(0, 3);
            if (built.exitCode() == 0) {
                assertThat(built.json().get("docs").asLong()).as("every row of %s", file.getFileName()).isEqualTo(rows(file));
            } else {
                assertThat(built.err()).as(built.toString()).contains(file.getFileName().toString());
                assertThat(built.json().get("error").get("kind").asText()).isEqualTo("bad-input");
            }
        });
    }

    /** Rows as hardwood counts them, reading every column: independent of the spec and of ftindex's mapping. */
    private static long rows(Path file) throws IOException {
        long rows = 0;
        try (ParquetFileReader reader = ParquetFileReader.open(dev.hardwood.InputFile.of(file)); RowReader all = reader.rowReader()) {
            while (all.hasNext()) {
                all.next();
                rows++;
            }
        }
        return rows;
    }
}
