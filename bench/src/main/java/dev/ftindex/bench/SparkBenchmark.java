package dev.ftindex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;

/**
 * 9. The Spark writer: {@code df.write.format("ftindex")} in {@code local[2]} (the shipped
 * {@code spark/target/ftindex-spark.jar} beside Spark's own class path, in a JVM of its own, as
 * {@code spark-submit} runs it) against {@code ftindex build --workers 2} (the shipped CLI jar, in a
 * JVM of its own) on the same documents, runs alternating. The Spark figure is the write alone (reading the JSON, the shuffle by id,
 * indexing, the commit); the session's start and a count of the rows are outside it, as the
 * JVM's start is outside the build's own figure; both pay their JIT warm-up. Target: at
 * least 0.9 of the build's documents per second.
 */
final class SparkBenchmark {
    private SparkBenchmark() {}

    static void run(BenchContext context, Report report, Path repository) throws Exception {
        // A DataFrame must have every column the spec maps; JSON Lines may lack any. Both sides
        // get the spec's fields that the corpus has.
        BenchContext c = new BenchContext(context.corpus(), present(context.spec(), context.corpus().file()), context.work(), context.runs(),
                context.threads(), context.ramBufferMb(), context.s3(), context.ftindexJar(), context.log());
        Path jar = repository.resolve("spark/target/ftindex-spark.jar");
        Path classPath = repository.resolve("spark/target/spark-class-path.txt");
        Path shared = repository.resolve("spark/target/spark-shared-class-path.txt");
        if (!Files.isRegularFile(jar) || !Files.isRegularFile(classPath) || !Files.isRegularFile(shared)
                || !Files.isRegularFile(repository.resolve("spark/target/test-classes/dev/ftindex/spark/BenchmarkWrite.class"))) {
            report.note("spark: skipped, the spark module is not built (mvn -pl spark -am install)");
            return;
        }
        String options;
        try (JarFile shaded = new JarFile(jar.toFile())) {
            options = new String(shaded.getInputStream(shaded.getEntry("dev/ftindex/spark/jvm-options.txt")).readAllBytes(),
                    StandardCharsets.UTF_8).strip();
        }
        Path spec = Files.write(c.scratch("spark-spec").resolve("spec.json"), Json.write(c.spec()));
        // The timed job is benchmark code kept with the Spark module's tests, never in its jar.
        Path timer = repository.resolve("spark/target/test-classes");
        // Each of the two partitions (and each of the two workers, which share the build's buffer) gets half the buffer.
        long buffer = Math.max(16, (long) c.ramBufferMb() / 2);
        List<Double> spark = new ArrayList<>();
        List<Double> build = new ArrayList<>();
        List<Double> writerAlone = new ArrayList<>();
        List<Double> upstreamShare = new ArrayList<>();
        for (int run = 1; run <= c.runs(); run++) {
            List<String> sparkOptions = new ArrayList<>(List.of("-Xmx3g"));
            sparkOptions.addAll(Arrays.asList(options.split("\\s+")));
            List<String> command = ChildJvm.java(sparkOptions, List.of("-cp", Files.readString(classPath).strip() + File.pathSeparator
                    + Files.readString(shared).strip() + File.pathSeparator + jar + File.pathSeparator + timer, "dev.ftindex.spark.BenchmarkWrite",
                    c.corpus().file().toString(), c.scratch("spark-index").toString(), spec.toString(), "2", c.spec().idField(),
                    "ramBufferMb=" + buffer, "workDir=" + c.scratch("spark-work")));
            JsonNode result = ChildJvm.run(command, c.work().resolve("spark-run.log")).result();
            spark.add(result.path("rowsPerSecond").asDouble());
            double seconds = result.path("seconds").asDouble();
            double upstream = result.path("upstreamSeconds").asDouble();
            writerAlone.add(result.path("rows").asDouble() / Math.max(1e-9, seconds - upstream));
            upstreamShare.add(upstream / seconds);
            c.say("spark local[2] run %d/%d: %,.0f rows/s (%.1f s, of which reading and the shuffle into a no-op sink %.1f s)", run,
                    c.runs(), spark.getLast(), seconds, upstream);

            // The same kind of process: a fresh JVM whose start is not counted but whose warm-up is.
            JsonNode built = ChildJvm.ftindexBuild(c, "spark-build", c.corpus().file(), spec, 2, 2 * buffer, "--threads", "1").result();
            build.add(built.path("docsPerSecond").asDouble());
            c.say("ftindex build --workers 2 run %d/%d: %,.0f docs/s", run, c.runs(), build.getLast());
        }
        double ratio = Stats.median(Stats.ratios(spark, build));
        report.add(new Report.Row("spark", "rows/s, local[2] writer vs build --workers 2", Stats.median(spark), Stats.median(build), ratio,
                "docs/s", "ratio >= 0.9", ratio >= 0.9, "median of paired runs; both fresh JVMs, their start excluded; fields "
                        + c.spec().fields().keySet()));
        double alone = Stats.median(Stats.ratios(writerAlone, build));
        report.add(new Report.Row("spark", "rows/s, the writer alone (write minus the same read and shuffle into Spark's noop sink)",
                Stats.median(writerAlone), Stats.median(build), alone, "docs/s", "", null, "what the ftindex sink costs; the rest is Spark's"));
        report.add(new Report.Row("spark", "share of the write spent reading JSON and shuffling by id", Stats.median(upstreamShare), Double.NaN,
                "fraction", "", null, "measured with format(\"noop\") over the same plan"));
    }

    private static IndexSpec present(IndexSpec spec, Path corpus) throws Exception {
        Set<String> columns = new HashSet<>();
        try (var lines = Files.lines(corpus)) {
            Json.MAPPER.readTree(lines.findFirst().orElseThrow()).fieldNames().forEachRemaining(columns::add);
        }
        Map<String, IndexSpec.FieldSpec> fields = new TreeMap<>(spec.fields());
        fields.keySet().retainAll(columns);
        List<String> search = spec.defaultSearchFields().stream().filter(columns::contains).toList();
        return new IndexSpec(spec.idField(), fields, spec.analyzers(), search, spec.similarity()).normalized();
    }
}
