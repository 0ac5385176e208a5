package dev.ftindex.bench;

import dev.ftindex.worker.WorkerResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * 1. One worker (read, index, force-merge, verify, upload to S3Proxy on loopback, stage) against
 * a plain IndexWriter with the same analyzers, fields, threads, RAM buffer and force-merge on
 * local disk. Runs alternate, and so does which side of a pair goes first, so both see the same
 * machine state.
 */
final class WorkerBenchmark {
    private WorkerBenchmark() {}

    /** @return the directory of the last baseline index (a single index of the whole corpus) */
    static Path run(BenchContext c, Report report) throws Exception {
        List<Double> ours = new ArrayList<>();
        List<Double> oursWithoutUpload = new ArrayList<>();
        List<Double> baseline = new ArrayList<>();
        List<Double> indexBytes = new ArrayList<>();
        List<Double> duplicateCheck = new ArrayList<>();
        List<Double> duplicateShare = new ArrayList<>();
        Path single = null;
        warmUp(c);
        Path[] last = new Path[1];
        for (int run = 1; run <= c.runs(); run++) {
            int number = run;
            Side ftindex = () -> {
                BenchContext.WorkerRun worker = c.worker(c.spec(), c.corpus().file(), "worker-work");
                WorkerResult result = worker.result();
                double seconds = worker.seconds();
                ours.add(worker.docsPerSecond());
                double upload = result.run().stageSeconds().getOrDefault("uploading", 0.0);
                oursWithoutUpload.add(result.docs() / (seconds - upload));
                indexBytes.add((double) result.bytes());
                double check = result.run().stageSeconds().getOrDefault("duplicate-check", 0.0);
                duplicateCheck.add(check);
                duplicateShare.add(check / seconds);
                c.say("worker run %d/%d: ftindex %,.0f docs/s (%.1f s; stages %s)", number, c.runs(), worker.docsPerSecond(), seconds,
                        result.run().stageSeconds());
            };
            Side plain = () -> {
                last[0] = c.scratch("single-index");
                long start = System.nanoTime();
                long docs = LuceneBaseline.index(c.corpus().file(), c.spec(), c.threads(), c.ramBufferMb(), 1, last[0]);
                double seconds = (System.nanoTime() - start) / 1e9;
                baseline.add(docs / seconds);
                c.say("worker run %d/%d: IndexWriter %,.0f docs/s (%.1f s; %s)", number, c.runs(), docs / seconds, seconds,
                        LuceneBaseline.lastPhases);
            };
            // The order alternates (ftindex first, then the baseline first): whatever the JVM
            // or the machine still improves or degrades from one run to the next favours
            // neither side.
            if (run % 2 == 1) {
                ftindex.run();
                plain.run();
            } else {
                plain.run();
                ftindex.run();
            }
        }
        single = last[0];
        // Runs come in pairs seconds apart: the median of the pairs'
        // ratios is steadier on a noisy machine than the ratio of two medians.
        double ratio = Stats.median(Stats.ratios(ours, baseline));
        report.add(new Report.Row("worker", "docs/s, one worker vs plain IndexWriter", Stats.median(ours), Stats.median(baseline), ratio, "docs/s",
                "ratio >= 0.95", ratio >= 0.95, String.format("%d threads, %.0f MB buffer; upload to S3Proxy included; ratio: median of %d paired runs",
                        c.threads(), c.ramBufferMb(), ours.size())));
        // The baseline writes to local disk only; this row shows what is left once the upload to
        // S3Proxy (a server in this JVM, on the same cores) is taken out.
        double withoutUpload = Stats.median(Stats.ratios(oursWithoutUpload, baseline));
        report.add(new Report.Row("worker", "docs/s, one worker without its upload stage vs plain IndexWriter", Stats.median(oursWithoutUpload),
                Stats.median(baseline), withoutUpload, "docs/s", "(reported)", null, "the same runs, the seconds of the upload stage taken out"));
        report.add(new Report.Row("worker", "input MB/s", Stats.median(ours) * c.corpus().bytes() / c.corpus().docs() / 1e6,
                Stats.median(baseline) * c.corpus().bytes() / c.corpus().docs() / 1e6, "MB/s", "", null, ""));
        report.figure("worker", "index size", Stats.median(indexBytes) / 1e6, "MB", "");
        report.figure("worker", "duplicate-id check", Stats.median(duplicateCheck) * 1000, "ms", String.format(
                "one pass over the id terms after the merge; %.2f %% of the worker's time (median of %d runs)",
                Stats.median(duplicateShare) * 100, duplicateShare.size()));
        return single;
    }

    @FunctionalInterface
    private interface Side {
        void run() throws Exception;
    }

    /** One unmeasured run of each side on the first 5% of the corpus, so that neither pays for the JIT. */
    static void warmUp(BenchContext c) throws Exception {
        Corpus head = c.corpus().head(c.scratch("warm-up").resolve("head.jsonl"), Math.max(1 << 20, c.corpus().bytes() / 20));
        c.worker(c.spec(), head.file(), "worker-work");
        LuceneBaseline.index(head.file(), c.spec(), c.threads(), c.ramBufferMb(), 1, c.scratch("warm-up-index"));
        c.say("warmed up on %,d documents", head.docs());
    }
}
