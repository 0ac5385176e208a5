package dev.ftindex.bench;

import dev.ftindex.format.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * 10. What a whole build costs against the simplest way to get the same index: {@code ftindex
 * build --workers 2} as a user runs it (one process: JVM start, both workers, the finalizer)
 * against one plain Lucene {@code IndexWriter} on one indexing thread building one force-merged
 * index of the same documents (a process of its own too, with the same heap). Both are timed
 * from outside, JVM start included, and charged the CPU-seconds the kernel counted for them.
 * Targets: CPU-seconds ≤ 1.0× the one-thread build's, wall time ≤ 0.8× on two cores.
 *
 * <p>A third side, reported and not a target, is what plain Lucene itself gets from the second
 * core: the same IndexWriter with {@code workers} indexing threads, left with as many segments as
 * ftindex has partitions (the shape ftindex commits). Its CPU ratio to the one-thread build is
 * the price of indexing on two cores at once without ftindex, which the first target leaves no
 * room for.
 */
final class CostBenchmark {
    private CostBenchmark() {}

    static void run(BenchContext c, Report report, int workers) throws Exception {
        Path spec = Files.write(c.scratch("cost-spec").resolve("spec.json"), Json.write(c.spec()));
        List<String> jvm = ChildJvm.launcherOptions(c.ramBufferMb());
        List<Double> ourCpu = new ArrayList<>();
        List<Double> ourWall = new ArrayList<>();
        List<Double> baseCpu = new ArrayList<>();
        List<Double> baseWall = new ArrayList<>();
        List<Double> parallelCpu = new ArrayList<>();
        List<Double> parallelWall = new ArrayList<>();
        long docs = 0;
        for (int run = 1; run <= c.runs(); run++) {
            ChildJvm.Run ours = ChildJvm.ftindexBuild(c, "cost", c.corpus().file(), spec, workers, c.ramBufferMb());
            docs = ours.result().path("docs").asLong();
            ourCpu.add(ours.cpuSeconds());
            ourWall.add(ours.wallSeconds());
            c.say("cost run %d/%d: ftindex build --workers %d: %.2f s wall, %.2f CPU-s (%.2f s inside the JVM)", run, c.runs(), workers,
                    ours.wallSeconds(), ours.cpuSeconds(), ours.result().path("seconds").asDouble());

            ChildJvm.Run plain = plain(c, jvm, spec, 1, 1);
            baseCpu.add(plain.cpuSeconds());
            baseWall.add(plain.wallSeconds());
            c.say("cost run %d/%d: one-thread IndexWriter: %.2f s wall, %.2f CPU-s (%s)", run, c.runs(), plain.wallSeconds(), plain.cpuSeconds(),
                    plain.result().path("phases").asText());

            ChildJvm.Run parallel = plain(c, jvm, spec, workers, workers);
            parallelCpu.add(parallel.cpuSeconds());
            parallelWall.add(parallel.wallSeconds());
            c.say("cost run %d/%d: %d-thread IndexWriter, %d segments: %.2f s wall, %.2f CPU-s (%s)", run, c.runs(), workers, workers,
                    parallel.wallSeconds(), parallel.cpuSeconds(), parallel.result().path("phases").asText());
        }
        double cpu = Stats.median(Stats.ratios(ourCpu, baseCpu));
        double wall = Stats.median(Stats.ratios(ourWall, baseWall));
        String note = String.format("%,d documents; both processes timed from outside, JVM start included; ratio: median of %d paired runs", docs,
                c.runs());
        report.add(new Report.Row("cost", "CPU-seconds, build --workers " + workers + " vs one-thread IndexWriter", Stats.median(ourCpu),
                Stats.median(baseCpu), cpu, "s", "ratio <= 1.0", cpu <= 1.0, note));
        report.add(new Report.Row("cost", "wall time, build --workers " + workers + " vs one-thread IndexWriter", Stats.median(ourWall),
                Stats.median(baseWall), wall, "s", "ratio <= 0.8", wall <= 0.8, "one segment for the baseline; " + workers + " partitions for ftindex"));
        String plainParallel = workers + "-thread IndexWriter (" + workers + " segments)";
        report.add(new Report.Row("cost", "CPU-seconds, " + plainParallel + " vs one-thread IndexWriter", Stats.median(parallelCpu),
                Stats.median(baseCpu), Stats.median(Stats.ratios(parallelCpu, baseCpu)), "s", "(reported)", null,
                "plain Lucene on " + workers + " cores: the price of concurrent indexing without ftindex"));
        report.add(new Report.Row("cost", "wall time, " + plainParallel + " vs one-thread IndexWriter", Stats.median(parallelWall),
                Stats.median(baseWall), Stats.median(Stats.ratios(parallelWall, baseWall)), "s", "(reported)", null, ""));
        report.add(new Report.Row("cost", "CPU-seconds, build --workers " + workers + " vs " + plainParallel, Stats.median(ourCpu),
                Stats.median(parallelCpu), Stats.median(Stats.ratios(ourCpu, parallelCpu)), "s", "(reported)", null,
                "what ftindex adds to plain Lucene on the same cores"));
    }

    /** The plain baseline as a process of its own: {@code threads} indexing threads, force-merged to {@code segments}. */
    private static ChildJvm.Run plain(BenchContext c, List<String> jvm, Path spec, int threads, int segments)
            throws java.io.IOException, InterruptedException {
        return ChildJvm.run(ChildJvm.java(jvm, List.of("-cp", classPath(), LuceneBaseline.class.getName(), c.corpus().file().toString(),
                spec.toString(), String.valueOf(threads), String.valueOf(c.ramBufferMb()), String.valueOf(segments),
                c.scratch("cost-plain-" + threads).toString())), c.work().resolve("cost-plain-" + threads + ".log"));
    }

    /** This benchmark's own class path (the bench jar, or the classes under test), which holds the baseline's main. */
    private static String classPath() {
        String path = System.getProperty("java.class.path");
        if (path == null || path.isBlank()) {
            throw new IllegalStateException("no java.class.path to run the baseline from");
        }
        return path;
    }
}
