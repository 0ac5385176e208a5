package dev.ftindex.bench;

import dev.ftindex.format.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * 11. How a whole build grows with its input: {@code ftindex build --workers W} (a process of its
 * own, as a user runs it) over generated corpora of the given sizes (the same generator and seed,
 * so every corpus is a longer run of the same text). Wall time should grow with the size (the
 * largest over the smallest within 1.05× the size ratio, so 10.5 for 10 GB against 1 GB) and the
 * peak anonymous memory (heap, JVM) not at all.
 */
final class GrowthBenchmark {
    private GrowthBenchmark() {}

    record Point(long megabytes, long docs, ChildJvm.Run run) {}

    static void run(BenchContext c, Report report, List<Long> megabytes, int workers) throws Exception {
        Path spec = Files.write(c.scratch("growth-spec").resolve("spec.json"), Json.write(c.spec()));
        List<Point> points = new ArrayList<>();
        for (long size : megabytes) {
            Path file = c.work().resolve("growth-" + size + "mb.jsonl");
            Corpus corpus;
            if (Files.isRegularFile(file) && Files.size(file) >= size * 1_000_000L) {
                corpus = Corpus.of(file);
            } else {
                c.say("growth: generating %,d MB...", size);
                corpus = Corpus.generate(file, size * 1_000_000L, 2026);
            }
            ChildJvm.Run run = ChildJvm.ftindexBuild(c, "growth", corpus.file(), spec, workers, c.ramBufferMb());
            points.add(new Point(size, corpus.docs(), run));
            c.say("growth %,d MB (%,d documents): %.1f s wall, %.1f CPU-s, peak anonymous RSS %.0f MB", size, corpus.docs(), run.wallSeconds(),
                    run.cpuSeconds(), run.peakAnonymousMb());
            report.figure("growth", String.format("%,d MB: wall time, build --workers %d", size, workers), run.wallSeconds(), "s",
                    String.format("%,d documents; %.1f CPU-s", corpus.docs(), run.cpuSeconds()));
            report.figure("growth", String.format("%,d MB: peak anonymous RSS", size), run.peakAnonymousMb(), "MB", "heap and JVM, sampled every 20 ms");
            BenchContext.delete(c.work().resolve("growth-index"));
        }
        Point first = points.getFirst();
        Point last = points.getLast();
        if (points.size() < 2 || last.megabytes() == first.megabytes()) {
            return;
        }
        double sizeRatio = (double) last.megabytes() / first.megabytes();
        double timeRatio = last.run().wallSeconds() / first.run().wallSeconds();
        report.add(new Report.Row("growth", String.format("wall time, %,d MB / %,d MB", last.megabytes(), first.megabytes()), timeRatio, sizeRatio,
                "x", String.format("<= %.1f", sizeRatio * 1.05), timeRatio <= sizeRatio * 1.05, "baseline column: the size ratio"));
        double memoryRatio = last.run().peakAnonymousMb() / first.run().peakAnonymousMb();
        report.add(new Report.Row("growth", String.format("peak anonymous RSS, %,d MB / %,d MB", last.megabytes(), first.megabytes()),
                last.run().peakAnonymousMb(), first.run().peakAnonymousMb(), "MB", "flat (<= 1.25x)", memoryRatio <= 1.25,
                "launcher heap: RAM buffer + 320 MB"));
    }
}
