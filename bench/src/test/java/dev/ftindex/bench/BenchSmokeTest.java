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
        Report report = Main.run(options("generate-mb", "2", "runs", "1", "threads", "1", "ram-buffer-mb", "32", "workers", "1,2",
                        "scale", "1,3", "scale-ids", "1000", "memory-base-mb", "0.5", "serve-clients", "2", "serve-window-s", "1", "work", temp.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(log, true, StandardCharsets.UTF_8));
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        String table = out.toString(StandardCharsets.UTF_8);

        assertThat(table).contains("worker").contains("build").contains("finalize").contains("search").contains("memory").contains("scale");
        assertThat(report.rows()).extracting(Report.Row::benchmark).contains("worker", "build", "finalize", "search", "memory", "scale", "parquet", "serve", "spark", "cost", "growth", "vector", "checkpoint", "compact", "lazy", "append", "routed", "queries", "update");
        assertThat(report.rows()).filteredOn(row -> row.benchmark().equals("queries") && row.target().equals("all"))
                .hasSize(7).allSatisfy(row -> assertThat(row.met()).as(row.metric()).isTrue());
        assertThat(report.rows()).filteredOn(row -> row.benchmark().equals("lazy") && row.metric().startsWith("queries with the ids and scores"))
                .singleElement().satisfies(row -> assertThat(row.met()).as("lazy mode answers as full mode").isTrue());
        assertThat(report.rows()).filteredOn(row -> row.metric().equals("requests to open a generation"))
                .singleElement().satisfies(row -> assertThat(row.met()).as("one request a partition and the commit").isTrue());
        assertThat(report.rows()).allSatisfy(row -> assertThat(row.ours()).as(row.metric()).isNotNaN().isGreaterThanOrEqualTo(0));
        // Correctness targets hold even on a tiny corpus; speed targets are for real sizes and are not asserted.
        assertThat(report.rows()).filteredOn(row -> row.metric().startsWith("queries with identical"))
                .hasSize(3).allSatisfy(row -> assertThat(row.met()).as(row.benchmark()).isTrue());
        assertThat(report.rows()).filteredOn(row -> row.metric().startsWith("queries with identical") && row.benchmark().equals("search"))
                .singleElement().satisfies(row -> assertThat(row.met()).isTrue());
        assertThat(report.rows()).filteredOn(row -> row.metric().startsWith("requests of a rerun"))
                .singleElement().satisfies(row -> assertThat(row.met()).isTrue());
        assertThat(report.rows()).filteredOn(row -> row.metric().endsWith("LIST requests"))
                .hasSize(2).allSatisfy(row -> assertThat(row.met()).isTrue());
        assertThat(report.rows()).filteredOn(row -> row.metric().startsWith("failed queries")).extracting(Report.Row::benchmark)
                .containsExactlyInAnyOrder("serve", "routed");
        assertThat(report.rows()).filteredOn(row -> row.metric().startsWith("failed queries"))
                .allSatisfy(row -> assertThat(row.met()).as("no query failed while serving (%s)", row.benchmark()).isTrue());
        assertThat(report.rows()).filteredOn(row -> row.metric().equals("requests to shard servers per query"))
                .singleElement().satisfies(row -> assertThat(row.ours()).as("a search per shard, then fetches").isGreaterThanOrEqualTo(3));
        // Cost: three sides (ftindex, the one-thread build, plain Lucene on the same threads); worker: also without its upload.
        assertThat(report.rows()).filteredOn(row -> row.benchmark().equals("cost")).extracting(Report.Row::metric)
                .anySatisfy(metric -> assertThat(metric).startsWith("CPU-seconds, build --workers").endsWith("vs one-thread IndexWriter"))
                .anySatisfy(metric -> assertThat(metric).contains("-thread IndexWriter (").endsWith("vs one-thread IndexWriter"));
        assertThat(report.rows()).filteredOn(row -> row.benchmark().equals("cost") || row.metric().contains("without its upload"))
                .hasSize(6)
                .allSatisfy(row -> assertThat(row.ours()).as(row.metric()).isPositive())
                .allSatisfy(row -> assertThat(row.baseline()).as(row.metric()).isPositive())
                .allSatisfy(row -> assertThat(row.ratio()).as(row.metric()).isPositive().isFinite());
        assertThat(report.json().get("rows").size()).isEqualTo(report.rows().size());
    }

    private static Map<String, String> options(String... pairs) {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            options.put(pairs[i], pairs[i + 1]);
        }
        return options;
    }
}
