package dev.ftindex.bench;

import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import dev.ftindex.worker.WorkerResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * 2. `ftindex build` with W workers on this machine (W in parallel, then the finalizer, into a
 * local directory) against one IndexWriter with W threads on the whole corpus: throughput and
 * CPU use, side by side.
 */
final class DistributedBenchmark {
    private DistributedBenchmark() {}

    static void run(BenchContext c, Report report, List<Integer> workerCounts) throws Exception {
        WorkerBenchmark.warmUp(c);
        for (int workers : workerCounts) {
            List<Double> ours = new ArrayList<>();
            List<Double> single = new ArrayList<>();
            List<Double> oursCores = new ArrayList<>();
            List<Double> singleCores = new ArrayList<>();
            for (int run = 1; run <= c.runs(); run++) {
                double cpu = BenchContext.cpuSeconds();
                long start = System.nanoTime();
                long docs = build(c, workers);
                double seconds = (System.nanoTime() - start) / 1e9;
                ours.add(docs / seconds);
                oursCores.add((BenchContext.cpuSeconds() - cpu) / seconds);
                c.say("build W=%d run %d/%d: %,.0f docs/s, %.2f cores", workers, run, c.runs(), docs / seconds, oursCores.getLast());

                cpu = BenchContext.cpuSeconds();
                start = System.nanoTime();
                docs = LuceneBaseline.index(c.corpus().file(), c.spec(), workers, c.ramBufferMb(), 1, c.scratch("distributed-single"));
                seconds = (System.nanoTime() - start) / 1e9;
                single.add(docs / seconds);
                singleCores.add((BenchContext.cpuSeconds() - cpu) / seconds);
                c.say("IndexWriter with %d threads run %d/%d: %,.0f docs/s, %.2f cores", workers, run, c.runs(), docs / seconds, singleCores.getLast());
            }
            double bytesPerDoc = (double) c.corpus().bytes() / c.corpus().docs();
            report.add(new Report.Row("build", "docs/s, W=" + workers + " vs IndexWriter, " + workers + " threads", Stats.median(ours),
                    Stats.median(single), Stats.median(Stats.ratios(ours, single)), "docs/s", "", null,
                    "local directory; finalize included; ratio: median of paired runs"));
            report.add(new Report.Row("build", "input MB/s, W=" + workers, Stats.median(ours) * bytesPerDoc / 1e6,
                    Stats.median(single) * bytesPerDoc / 1e6, "MB/s", "", null, ""));
            report.add(new Report.Row("build", "CPU use, W=" + workers, Stats.median(oursCores), Stats.median(singleCores), "cores", "", null, ""));
        }
    }

    private static long build(BenchContext c, int workers) throws Exception {
        ObjectStore index = ObjectStores.local(c.scratch("distributed-index"));
        // W workers of one indexing thread each against one IndexWriter with W threads.
        int threads = 1;
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<WorkerResult>> futures = new ArrayList<>();
            for (int partition = 0; partition < workers; partition++) {
                WorkerConfig config = WorkerConfig.builder(c.spec(), List.of(c.corpus().file().toString()), partition)
                        .partitions(Optional.of(workers)).threads(threads).ramBufferMb(Math.max(16, c.ramBufferMb() / workers))
                        .workDirectory(Optional.of(c.scratch("distributed-work-" + partition))).build();
                futures.add(pool.submit(() -> new Worker(index, config, location -> {
                    throw new IllegalArgumentException(location.uri());
                }, Progress.silent()).run()));
            }
            for (Future<WorkerResult> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new Finalizer(index, FinalizerConfig.defaults().withExpectedPartitions(workers), Progress.silent()).run().docs();
    }
}
