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
        List<Peak> peaks1 = new ArrayList<>();
        List<Peak> peaks4 = new ArrayList<>();
        for (int run = 1; run <= c.runs(); run++) {
            peaks1.add(peak(c, one, jvmOptions));
            peaks4.add(peak(c, four, jvmOptions));
            c.say("memory run %d/%d: %.0f MB of input: %s; %.0f MB: %s", run, c.runs(), one.bytes() / 1e6, peaks1.getLast(),
                    four.bytes() / 1e6, peaks4.getLast());
        }
        double limit = c.ramBufferMb() + 512;
        String inputs = String.format("input %.0f MB (4x) vs %.0f MB (1x)", four.bytes() / 1e6, one.bytes() / 1e6);
        double anon1 = Stats.median(peaks1.stream().map(Peak::anonymous).toList());
        double anon4 = Stats.median(peaks4.stream().map(Peak::anonymous).toList());
        report.add(new Report.Row("memory", "peak anonymous RSS (heap, JVM), " + inputs, anon4, anon1, "MB", "flat, < " + (long) limit + " MB",
                anon4 < limit && anon1 < limit && anon4 / anon1 < 1.25,
                String.format("RAM buffer %.0f MB; JVM options %s", c.ramBufferMb(), jvmOptions)));
        report.add(new Report.Row("memory", "peak total RSS (with mapped index pages), " + inputs, Stats.median(peaks4.stream().map(Peak::total).toList()),
                Stats.median(peaks1.stream().map(Peak::total).toList()), "MB", "", null, "mapped pages are page cache of the partition files"));
        report.add(new Report.Row("memory", "worker wall time, " + inputs, Stats.median(peaks4.stream().map(Peak::seconds).toList()),
                Stats.median(peaks1.stream().map(Peak::seconds).toList()), "s", "", null, "the process, JVM start included"));
    }

    /** Peaks of one process: all resident memory (VmHWM), its anonymous part (heap, JVM), and wall time. */
    record Peak(double total, double anonymous, double seconds) {
        @Override
        public String toString() {
            return String.format("peak RSS %.0f MB, of it anonymous %.0f MB, %.1f s", total, anonymous, seconds);
        }
    }

    private static Peak peak(BenchContext c, Corpus input, List<String> jvmOptions) throws Exception {
        Path index = c.scratch("memory-index");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", c.ftindexJar().toString(), "build-partition", "--index", index.toString(), "--input", input.file().toString(),
                "--partition", "0", "--threads", String.valueOf(c.threads()), "--ram-buffer-mb", String.valueOf(c.ramBufferMb()),
                "--work-dir", c.scratch("memory-work").toString(), "--progress", "none", "--quiet"));
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long start = System.nanoTime();
        Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
        long peakKb = 0;
        long peakAnonymousKb = 0;
        while (!process.waitFor(20, TimeUnit.MILLISECONDS)) {
            // VmHWM is the kernel's own high-water mark; RssAnon is sampled, every 20 ms.
            peakKb = Math.max(peakKb, kilobytes(status, "VmHWM:"));
            peakAnonymousKb = Math.max(peakAnonymousKb, kilobytes(status, "RssAnon:"));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("build-partition exited with " + process.exitValue());
        }
        return new Peak(peakKb / 1024.0, peakAnonymousKb / 1024.0, (System.nanoTime() - start) / 1e9);
    }

    private static long kilobytes(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The process is exiting; the last reading stands.
        }
        return 0;
    }
}
