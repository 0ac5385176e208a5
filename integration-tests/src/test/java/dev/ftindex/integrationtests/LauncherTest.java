package dev.ftindex.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code ./ftindex} as users run it (with the built jar, so that it does not build
 * one): nothing but the answer. No JVM warning before it (the vector incubator module is left
 * out, docs/benchmarks.md), and no warning from Lucene that it is left out.
 */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("..", "ftindex").toAbsolutePath().normalize();
    private static final Path JAR = Path.of(System.getProperty("ftindex.jar", "../cli/target/ftindex.jar")).toAbsolutePath().normalize();

    @TempDir
    Path temp;

    record Run(int exit, String out, String err) {}

    private Run launch(String... args) throws Exception {
        return launch(java.util.Map.of(), args);
    }

    private Run launch(java.util.Map<String, String> environment, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("FTINDEX_JAR", JAR.toString());
        builder.environment().put("FTINDEX_PROGRESS", "none");
        builder.environment().remove("FTINDEX_JAVA_OPTS");
        builder.environment().put("FTINDEX_CDS_DIR", temp.resolve("cds").toString());
        builder.environment().putAll(environment);
        Path out = temp.resolve("out-" + System.nanoTime());
        Path err = temp.resolve("err-" + System.nanoTime());
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void versionPrintsOnlyTheVersionAndASearchNoWarning() throws Exception {
        Run version = launch("version");
        assertThat(version.exit()).isZero();
        assertThat(version.err()).as("stderr of ftindex version").isEmpty();
        assertThat(version.out().lines().toList()).singleElement().asString().matches("ftindex \\S+ \\(Lucene \\S+\\)");

        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 300, 2));
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        Run built = launch("build", "--index", temp.resolve("idx").toString(), "--input", input.toString(), "--spec", spec.toString(),
                "--workers", "1", "--quiet");
        assertThat(built.exit()).as(built.err()).isZero();
        Run search = launch("search", "--index", temp.resolve("idx").toString(), "--cache-dir", temp.resolve("cache").toString(), "--json",
                "--quiet", "lucene");
        assertThat(search.exit()).as(search.err()).isZero();
        assertThat(search.err()).as("stderr of a quiet search").isEmpty();
        assertThat(Json.MAPPER.readTree(search.out()).path("totalHits").asLong()).isPositive();
    }

    /**
     * The first search writes a class-data sharing archive for this jar and JDK (whole, under its
     * final name: no temporary file left), later commands map it, and neither says a word more on
     * stdout or stderr than a search without it; FTINDEX_CDS=off writes none.
     */
    @Test
    void theFirstSearchWritesAClassArchiveThatLaterCommandsUseAndNothingElseChanges() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 300, 3));
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        Path index = temp.resolve("idx");
        assertThat(launch(java.util.Map.of("FTINDEX_CDS", "off"), "build", "--index", index.toString(), "--input", input.toString(), "--spec",
                spec.toString(), "--workers", "1", "--quiet").exit()).isZero();
        Path archives = temp.resolve("cds");
        assertThat(archives).as("FTINDEX_CDS=off writes no archive").doesNotExist();

        Run first = launch("search", "--index", index.toString(), "--cache-dir", temp.resolve("cache").toString(), "--json", "--quiet", "lucene");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.err()).as("stderr of the search that writes the archive").isEmpty();
        List<Path> written;
        try (var files = Files.list(archives)) {
            written = files.toList();
        }
        assertThat(written).as("one archive, renamed into place").singleElement()
                .satisfies(archive -> assertThat(archive.getFileName().toString()).matches("ftindex-local-.*\\.jsa"));

        Path classes = temp.resolve("classes.log");
        Run second = launch(java.util.Map.of("FTINDEX_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes), "search", "--index", index.toString(),
                "--cache-dir", temp.resolve("cache").toString(), "--json", "--quiet", "lucene");
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.err()).as("stderr of a search with the archive").isEmpty();
        assertThat(Json.MAPPER.readTree(second.out()).path("hits")).isEqualTo(Json.MAPPER.readTree(first.out()).path("hits"));
        assertThat(Files.readAllLines(classes)).as("ftindex's own classes come from the archive")
                .anyMatch(line -> line.contains("dev.ftindex.cli.") && line.contains("shared objects file (top)"));
    }
}
