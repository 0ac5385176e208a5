package dev.ftindex.bench;

import java.util.ArrayList;
import java.util.List;

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
        ChildJvm.Run run = ChildJvm.run(ChildJvm.java(jvmOptions, List.of("-jar", c.ftindexJar().toString(), "build-partition", "--index",
                c.scratch("memory-index").toString(), "--input", input.file().toString(), "--partition", "0", "--threads",
                String.valueOf(c.threads()), "--ram-buffer-mb", String.valueOf(c.ramBufferMb()), "--work-dir", c.scratch("memory-work").toString(),
                "--progress", "none", "--quiet")), ProcessBuilder.Redirect.INHERIT);
        return new Peak(run.peakTotalMb(), run.peakAnonymousMb(), run.wallSeconds());
    }
}
