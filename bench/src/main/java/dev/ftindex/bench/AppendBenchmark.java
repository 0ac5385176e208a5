package dev.ftindex.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.AppendBase;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * 16. Appends (issue 26): the corpus cut in two halves by line; g1 built from the first half
 * into 4 partitions; then, run after run with the order rotating, g2 appended to g1 from the
 * second half (4 new partitions; g1's 4 copied server-side), the second half alone as a whole
 * index of 4, and one full build of every line into 8 partitions, all on S3Proxy in this JVM.
 * Reported: the process CPU-seconds of each (an append should cost what its new half costs, not
 * what the whole corpus costs), and how many of the 200 search-benchmark queries give the same
 * ids and scores on g2 as on the full build.
 */
final class AppendBenchmark {
    private static final int PARTITIONS = 4;
    private static final int K = 10;

    private AppendBenchmark() {}

    record Build(double cpuSeconds, double wallSeconds) {}

    static void run(BenchContext c, Report report) throws Exception {
        Path halves = c.scratch("append-input");
        Path first = halves.resolve("first.jsonl");
        Path second = halves.resolve("second.jsonl");
        long lines = split(c.corpus().file(), first, second, c.corpus().docs());
        String bucket = c.s3().newBucket();
        try (ObjectStore collection = store(c, bucket, "c/")) {
            ObjectStore g1 = ObjectStores.prefixed(collection, "generations/g1/");
            // g1 is built first, and the second half once more as a warm-up: the JIT's start is in neither side's figures.
            Build base = build(c, g1, first, PARTITIONS, Optional.empty());
            build(c, ObjectStores.prefixed(collection, "warm-up/"), second, PARTITIONS, Optional.empty());
            AppendBase appendBase = AppendBase.open(g1, "g1");
            List<Double> appends = new ArrayList<>();
            List<Double> newHalves = new ArrayList<>();
            List<Double> wholes = new ArrayList<>();
            List<Double> appendWalls = new ArrayList<>();
            ObjectStore lastAppend = null;
            ObjectStore lastWhole = null;
            int runs = Math.max(1, c.runs());
            for (int run = 0; run < runs; run++) {
                ObjectStore g2 = ObjectStores.prefixed(collection, "generations/g2-" + run + "/");
                ObjectStore alone = ObjectStores.prefixed(collection, "second-alone-" + run + "/");
                ObjectStore whole = ObjectStores.prefixed(collection, "full-" + run + "/");
                // The order rotates run by run, so that no side is always first after a pause.
                List<Runnable> order = new ArrayList<>(List.of(
                        () -> measure(appends, appendWalls, c, g2, second, PARTITIONS, Optional.of(appendBase)),
                        () -> measure(newHalves, new ArrayList<>(), c, alone, second, PARTITIONS, Optional.empty()),
                        () -> measure(wholes, new ArrayList<>(), c, whole, c.corpus().file(), 2 * PARTITIONS, Optional.empty())));
                java.util.Collections.rotate(order, run);
                order.forEach(Runnable::run);
                lastAppend = g2;
                lastWhole = whole;
            }
            c.say("append: g1 (first half) %.1f CPU-s; per run: append %s, new half alone %s, full build %s CPU-s", base.cpuSeconds(),
                    appends, newHalves, wholes);
            report.add(new Report.Row("append", "CPU-seconds of the append (the second half; the base copied) vs a build of the second"
                    + " half alone", Stats.median(appends), Stats.median(newHalves), Stats.median(Stats.ratios(appends, newHalves)), "cpu-s",
                    "(reported)", null, String.format(Locale.ROOT, "%d runs, the order rotating; the difference is the id check and the"
                            + " base's server-side copy (S3Proxy runs in this process); append wall p50 %.1f s", runs, Stats.median(appendWalls))));
            report.add(new Report.Row("append", "CPU-seconds of the append vs the full build of every line", Stats.median(appends),
                    Stats.median(wholes), Stats.median(Stats.ratios(appends, wholes)), "cpu-s", "(reported)", null, String.format(Locale.ROOT,
                            "%,d lines in halves of %,d and %,d; 4 + 4 partitions vs 8", c.corpus().docs(), lines, c.corpus().docs() - lines)));

            List<String> queries = SearchBenchmark.queries(c.spec());
            try (CommittedIndex appended = CommittedIndex.open(lastAppend, c.scratch("append-cache-g2"), c.threads(), Progress.silent());
                 CommittedIndex built = CommittedIndex.open(lastWhole, c.scratch("append-cache-full"), c.threads(), Progress.silent())) {
                int identical = 0;
                for (String query : queries) {
                    if (SearchBenchmark.hits(appended.search(query, K)).equals(SearchBenchmark.hits(built.search(query, K)))) {
                        identical++;
                    }
                }
                report.add(new Report.Row("append", "queries with identical ids and scores, append vs full build", identical,
                        queries.size(), "queries", "all", identical == queries.size(), "k=" + K + "; g2 has " + appended.metadata().partitions().size()
                                + " partitions, the full build " + built.metadata().partitions().size()));
            }
            BenchContext.empty(collection);
        }
    }

    private static void measure(List<Double> cpu, List<Double> wall, BenchContext c, ObjectStore root, Path input, int partitions,
                                Optional<AppendBase> base) {
        try {
            Build build = build(c, root, input, partitions, base);
            cpu.add(build.cpuSeconds());
            wall.add(build.wallSeconds());
        } catch (Exception e) {
            throw new IllegalStateException("building " + root.location() + " failed: " + e.getMessage(), e);
        }
    }

    /** Workers for partitions 0..partitions-1 over {@code input}, one after the other, then the finalizer: the CPU it took. */
    private static Build build(BenchContext c, ObjectStore root, Path input, int partitions, Optional<AppendBase> base) throws Exception {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        long start = System.nanoTime();
        for (int p = 0; p < partitions; p++) {
            WorkerConfig.Builder config = WorkerConfig.builder(c.spec(), List.of(input.toString()), p)
                    .partitions(Optional.of(partitions)).threads(c.threads()).ramBufferMb(c.ramBufferMb())
                    .workDirectory(Optional.of(c.scratch("append-work"))).base(base.map(AppendBase::index));
            new Worker(root, config.build(), location -> {
                throw new IllegalArgumentException("not a local input: " + location.uri());
            }, Progress.silent()).run();
        }
        new Finalizer(root, base, FinalizerConfig.defaults().withExpectedPartitions(partitions), Progress.silent()).run();
        return new Build((os.getProcessCpuTime() - cpu) / 1e9, (System.nanoTime() - start) / 1e9);
    }

    /** The first half of the lines to {@code first}, the rest to {@code second}; returns the first half's count. */
    private static long split(Path corpus, Path first, Path second, long docs) throws Exception {
        long half = docs / 2;
        long n = 0;
        try (BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8);
             BufferedWriter a = Files.newBufferedWriter(first, StandardCharsets.UTF_8);
             BufferedWriter b = Files.newBufferedWriter(second, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                BufferedWriter out = n++ < half ? a : b;
                out.write(line);
                out.write('\n');
            }
        }
        return Math.min(half, n);
    }

    private static ObjectStore store(BenchContext c, String bucket, String prefix) {
        return ObjectStores.open(new StoreLocation.S3(bucket, prefix), c.s3().settings().build(), Map.of());
    }
}
