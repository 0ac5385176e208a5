package dev.ftindex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * 12. What Lucene's Panama vector provider ({@code --add-modules jdk.incubator.vector}) buys:
 * {@code ftindex build --workers 2} and {@code ftindex search --queries} (batch search of the
 * corpus's own words over the built index) as processes of their own, with and without the
 * module, pairs alternating which side runs first. The launcher leaves the module out unless
 * this shows it pays (docs/benchmarks.md).
 */
final class VectorModuleBenchmark {
    private static final List<String> MODULE = List.of("--add-modules", "jdk.incubator.vector");

    private VectorModuleBenchmark() {}

    static void run(BenchContext c, Report report) throws Exception {
        Path spec = Files.write(c.scratch("vector-spec").resolve("spec.json"), Json.write(c.spec()));
        Path topics = topics(c, 5_000);
        List<Double> buildCpu = new ArrayList<>();
        List<Double> plainBuildCpu = new ArrayList<>();
        List<Double> searchRate = new ArrayList<>();
        List<Double> plainSearchRate = new ArrayList<>();
        for (int run = 1; run <= c.runs(); run++) {
            for (boolean module : run % 2 == 1 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                String name = module ? "vector" : "plain";
                List<String> options = new ArrayList<>(ChildJvm.launcherOptions(c.ramBufferMb()));
                if (module) {
                    options.addAll(MODULE);
                }
                Path index = c.scratch(name + "-vector-index");
                ChildJvm.Run built = ChildJvm.run(ChildJvm.java(options, List.of("-jar", c.ftindexJar().toString(), "build", "--index",
                        index.toString(), "--input", c.corpus().file().toString(), "--spec", spec.toString(),
                        "--workers", "2", "--ram-buffer-mb", String.valueOf((long) c.ramBufferMb()), "--work-dir",
                        c.scratch(name + "-vector-work").toString(), "--progress", "none", "--quiet")), c.work().resolve(name + "-vector-build.log"));
                (module ? buildCpu : plainBuildCpu).add(built.cpuSeconds());
                ChildJvm.Run searched = ChildJvm.run(ChildJvm.java(options, List.of("-jar", c.ftindexJar().toString(), "search", "--index",
                        index.toString(), "--queries", topics.toString(), "--output",
                        c.scratch(name + "-vector-run").resolve("run.trec").toString(), "--cache-dir", c.scratch(name + "-vector-cache").toString(),
                        "--k", "10", "--progress", "none", "--quiet")), c.work().resolve(name + "-vector-search.log"));
                JsonNode result = searched.result();
                (module ? searchRate : plainSearchRate).add(result.path("queriesPerSecond").asDouble());
                c.say("vector module %s, run %d/%d: build %.1f CPU-s, search %,.0f q/s", module ? "on" : "off", run, c.runs(),
                        built.cpuSeconds(), result.path("queriesPerSecond").asDouble());
            }
        }
        report.add(new Report.Row("vector", "CPU-seconds of build --workers 2, with the vector module vs without", Stats.median(buildCpu),
                Stats.median(plainBuildCpu), Stats.median(Stats.ratios(buildCpu, plainBuildCpu)), "CPU-s", "", null,
                "processes timed from outside; the launcher leaves the module out"));
        report.add(new Report.Row("vector", "queries/s of search --queries, with the vector module vs without", Stats.median(searchRate),
                Stats.median(plainSearchRate), Stats.median(Stats.ratios(searchRate, plainSearchRate)), "q/s", "", null,
                "the corpus's own words, 1 to 3 a query"));
    }

    /** {@code count} queries of 1 to 3 words drawn from the corpus (seeded), as Anserini's {@code id<TAB>query} topics. */
    private static Path topics(BenchContext c, int count) throws Exception {
        List<String> words = new ArrayList<>();
        try (var lines = Files.lines(c.corpus().file())) {
            lines.limit(20_000).forEach(line -> {
                for (String word : line.toLowerCase(java.util.Locale.ROOT).split("[^a-z]+")) {
                    if (word.length() > 3 && !word.equals("title") && !word.equals("contents")) {
                        words.add(word);
                    }
                }
            });
        }
        Random random = new Random(7);
        StringBuilder text = new StringBuilder();
        for (int q = 0; q < count; q++) {
            StringBuilder query = new StringBuilder();
            for (int w = 0, n = 1 + random.nextInt(3); w < n; w++) {
                query.append(w == 0 ? "" : " ").append(words.get(random.nextInt(words.size())));
            }
            text.append('q').append(q).append('\t').append(query).append('\n');
        }
        return Files.writeString(c.scratch("vector-topics").resolve("topics.tsv"), text);
    }
}
