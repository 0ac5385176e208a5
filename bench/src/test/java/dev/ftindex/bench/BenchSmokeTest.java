package dev.ftindex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small run of every benchmark, so that the benchmark command cannot rot. */
class BenchSmokeTest {
    @TempDir
    Path temp;

    @Test
    void everyBenchmarkRunsEndToEndAndReportsItsFigures() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Report report = Main.run(Map.of("generate-mb", "2", "runs", "1", "threads", "1", "ram-buffer-mb", "32", "workers", "1,2",
                        "scale", "1,3", "memory-base-mb", "0.5", "work", temp.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(log, true, StandardCharsets.UTF_8));
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        String table = out.toString(StandardCharsets.UTF_8);

        assertThat(table).contains("worker").contains("build").contains("finalize").contains("search").contains("memory").contains("scale");
        assertThat(report.rows()).extracting(Report.Row::benchmark).contains("worker", "build", "finalize", "search", "memory", "scale", "parquet");
        assertThat(report.rows()).allSatisfy(row -> assertThat(row.ours()).as(row.metric()).isNotNaN().isGreaterThanOrEqualTo(0));
        // Correctness targets hold even on a tiny corpus; speed targets are for real sizes and are not asserted.
        assertThat(report.rows()).filteredOn(row -> row.metric().startsWith("queries with identical"))
                .singleElement().satisfies(row -> assertThat(row.met()).isTrue());
        assertThat(report.rows()).filteredOn(row -> row.metric().startsWith("requests of a rerun"))
                .singleElement().satisfies(row -> assertThat(row.met()).isTrue());
        assertThat(report.rows()).filteredOn(row -> row.metric().endsWith("LIST requests"))
                .hasSize(2).allSatisfy(row -> assertThat(row.met()).isTrue());
        assertThat(report.json().get("rows").size()).isEqualTo(report.rows().size());
    }
}
