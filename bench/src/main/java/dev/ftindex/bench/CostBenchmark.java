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
        long docs = 0;
        for (int run = 1; run <= c.runs(); run++) {
            ChildJvm.Run ours = ChildJvm.ftindexBuild(c, "cost", c.corpus().file(), spec, workers, c.ramBufferMb());
            docs = ours.result().path("docs").asLong();
            ourCpu.add(ours.cpuSeconds());
            ourWall.add(ours.wallSeconds());
            c.say("cost run %d/%d: ftindex build --workers %d: %.2f s wall, %.2f CPU-s (%.2f s inside the JVM)", run, c.runs(), workers,
                    ours.wallSeconds(), ours.cpuSeconds(), ours.result().path("seconds").asDouble());

            ChildJvm.Run plain = ChildJvm.run(ChildJvm.java(jvm, List.of("-cp", classPath(), LuceneBaseline.class.getName(),
                    c.corpus().file().toString(), spec.toString(), "1", String.valueOf(c.ramBufferMb()), "1",
                    c.scratch("cost-plain").toString())), c.work().resolve("cost-plain.log"));
            baseCpu.add(plain.cpuSeconds());
            baseWall.add(plain.wallSeconds());
            c.say("cost run %d/%d: one-thread IndexWriter: %.2f s wall, %.2f CPU-s (%s)", run, c.runs(), plain.wallSeconds(), plain.cpuSeconds(),
                    plain.result().path("phases").asText());
        }
        double cpu = Stats.median(Stats.ratios(ourCpu, baseCpu));
        double wall = Stats.median(Stats.ratios(ourWall, baseWall));
        String note = String.format("%,d documents; both processes timed from outside, JVM start included; ratio: median of %d paired runs", docs,
                c.runs());
        report.add(new Report.Row("cost", "CPU-seconds, build --workers " + workers + " vs one-thread IndexWriter", Stats.median(ourCpu),
                Stats.median(baseCpu), cpu, "s", "ratio <= 1.0", cpu <= 1.0, note));
        report.add(new Report.Row("cost", "wall time, build --workers " + workers + " vs one-thread IndexWriter", Stats.median(ourWall),
                Stats.median(baseWall), wall, "s", "ratio <= 0.8", wall <= 0.8, "one segment for the baseline; " + workers + " partitions for ftindex"));
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
