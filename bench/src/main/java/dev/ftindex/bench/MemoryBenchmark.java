package dev.ftindex.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * 5. Peak resident memory (VmHWM) of one `ftindex build-partition` process, as the launcher
 * starts it, for an input of 1x and 4x the size.
 */
final class MemoryBenchmark {
    private MemoryBenchmark() {}

    static void run(BenchContext c, Report report, long baseBytes, List<String> jvmOptions) throws Exception {
        Corpus one = c.corpus().head(c.scratch("memory-1x").resolve("docs.jsonl"), baseBytes);
        Corpus four = c.corpus().head(c.scratch("memory-4x").resolve("docs.jsonl"), baseBytes * 4);
        List<Double> peaks1 = new ArrayList<>();
        List<Double> peaks4 = new ArrayList<>();
        for (int run = 1; run <= c.runs(); run++) {
            peaks1.add(peakMegabytes(c, one, jvmOptions));
            peaks4.add(peakMegabytes(c, four, jvmOptions));
            c.say("memory run %d/%d: peak RSS %.0f MB for %.0f MB of input, %.0f MB for %.0f MB", run, c.runs(), peaks1.getLast(), one.bytes() / 1e6,
                    peaks4.getLast(), four.bytes() / 1e6);
        }
        double limit = c.ramBufferMb() + 512;
        double p1 = Stats.median(peaks1);
        double p4 = Stats.median(peaks4);
        report.add(new Report.Row("memory", String.format("peak RSS, input %.0f MB (4x) vs %.0f MB (1x)", four.bytes() / 1e6, one.bytes() / 1e6),
                p4, p1, "MB", "flat, < " + (long) limit + " MB", p4 < limit && p1 < limit && p4 / p1 < 1.25,
                String.format("RAM buffer %.0f MB; JVM options %s", c.ramBufferMb(), jvmOptions)));
    }

    private static double peakMegabytes(BenchContext c, Corpus input, List<String> jvmOptions) throws Exception {
        Path index = c.scratch("memory-index");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", c.ftindexJar().toString(), "build-partition", "--index", index.toString(), "--input", input.file().toString(),
                "--partition", "0", "--threads", String.valueOf(c.threads()), "--ram-buffer-mb", String.valueOf(c.ramBufferMb()),
                "--work-dir", c.scratch("memory-work").toString(), "--progress", "none", "--quiet"));
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
        long peakKb = 0;
        while (!process.waitFor(20, TimeUnit.MILLISECONDS)) {
            peakKb = Math.max(peakKb, highWaterMarkKb(status));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("build-partition exited with " + process.exitValue());
        }
        return peakKb / 1024.0;
    }

    /** VmHWM: the peak resident set size the kernel has seen for the process. */
    private static long highWaterMarkKb(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The process is exiting; the last reading stands.
        }
        return 0;
    }
}
