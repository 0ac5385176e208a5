package dev.ftindex.bench;

import dev.ftindex.finalizer.FinalizeResult;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.RequestMetrics;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * 3. The finalizer on S3Proxy: requests by kind, bytes through the finalizer process against the
 * committed index size, wall time; and the cost of a rerun on a committed index, for this index
 * and for a tiny one.
 */
final class FinalizerBenchmark {
    private FinalizerBenchmark() {}

    record Committed(String bucket, String prefix) {}

    /** @return where the last committed index is (for the search benchmark) */
    static Committed run(BenchContext c, Report report, int partitions) throws Exception {
        String bucket = c.s3().newBucket();
        try (ObjectStore root = c.s3Bucket(bucket)) {
            ObjectStore staged = ObjectStores.open(new StoreLocation.S3(bucket, "staged/"), c.s3().settings().build(), Map.of());
            for (int p = 0; p < partitions; p++) {
                WorkerConfig config = WorkerConfig.builder(c.spec(), List.of(c.corpus().file().toString()), p)
                        .partitions(Optional.of(partitions)).threads(c.threads()).ramBufferMb(c.ramBufferMb())
                        .workDirectory(Optional.of(c.scratch("finalizer-work"))).build();
                new Worker(staged, config, location -> {
                    throw new IllegalArgumentException(location.uri());
                }, Progress.silent()).run();
            }
            List<Double> seconds = new ArrayList<>();
            FinalizeResult first = null;
            long rerunRequests = -1;
            String prefix = null;
            for (int run = 1; run <= c.runs(); run++) {
                prefix = "run-" + run + "/";
                // Each run finalizes its own copy of the staging (server-side copies, not measured).
                for (ObjectInfo object : root.list("staged/")) {
                    root.copy(object.key(), prefix + object.key().substring("staged/".length()), Optional.empty());
                }
                try (ObjectStore index = ObjectStores.open(new StoreLocation.S3(bucket, prefix), c.s3().settings().build(), Map.of())) {
                    FinalizeResult result = new Finalizer(index, FinalizerConfig.defaults().withExpectedPartitions(partitions), Progress.silent()).run();
                    seconds.add(result.run().seconds());
                    first = first == null ? result : first;
                    FinalizeResult rerun = new Finalizer(index, FinalizerConfig.defaults(), Progress.silent()).run();
                    rerunRequests = rerun.run().requests().total();
                    c.say("finalize run %d/%d: %.2f s, %d requests, rerun %d requests", run, c.runs(), result.run().seconds(),
                            result.run().requests().total(), rerunRequests);
                }
            }
            staged.close();
            RequestMetrics.Snapshot requests = first.run().requests();
            double through = requests.bytesRead() + requests.bytesWritten();
            report.figure("finalize", "wall time, " + partitions + " partitions, " + first.index().files() + " files", Stats.median(seconds), "s", "");
            report.add(new Report.Row("finalize", "bytes through the finalizer / index bytes", through, first.index().bytes(), "bytes", "ratio < 0.01",
                    through / first.index().bytes() < 0.01, "copies are server-side"));
            report.figure("finalize", "requests", requests.total(), "requests", requests.byOperation().toString());
            long tinyRerun = tinyRerunRequests(c);
            report.add(new Report.Row("finalize", "requests of a rerun on the committed index vs a tiny index", rerunRequests, tinyRerun, "requests",
                    "equal", rerunRequests == tinyRerun, "constant whatever the index size"));
            return new Committed(bucket, prefix);
        }
    }

    private static long tinyRerunRequests(BenchContext c) throws Exception {
        try (ObjectStore index = c.newS3Index()) {
            java.nio.file.Path tiny = c.corpus().head(c.scratch("tiny").resolve("tiny.jsonl"), 10_000).file();
            new Worker(index, WorkerConfig.of(c.spec(), List.of(tiny.toString()), 0, Optional.of(1)).withThreads(1)
                    .withWorkDirectory(c.scratch("tiny-work")), location -> null, Progress.silent()).run();
            new Finalizer(index, FinalizerConfig.defaults(), Progress.silent()).run();
            return new Finalizer(index, FinalizerConfig.defaults(), Progress.silent()).run().run().requests().total();
        }
    }
}
