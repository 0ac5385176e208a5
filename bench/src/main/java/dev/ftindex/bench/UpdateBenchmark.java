package dev.ftindex.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.finalizer.BaseUpdate;
import dev.ftindex.finalizer.FinalizeResult;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.AppendBase;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.RequestMetrics;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.worker.DeleteList;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * 19. Updates (issue 39): g1 is every line of the corpus in 4 partitions; then, run after run with
 * the order alternating, g2 = g1 with 1 % of the documents changed (every 100th line, its title
 * and contents rewritten) and 1 % deleted (every 100th line from the 50th), made by an update (one
 * worker indexes the changed lines, the finalizer with upserts and the delete list), and a full
 * rebuild of the same surviving documents into 4 partitions, all on S3Proxy in this JVM.
 * Reported: CPU-seconds and wall of each (target: the update at most 0.1 of the rebuild), the
 * bytes the update wrote against the index's size, and search p50 on g2 against the rebuild
 * (target at most 1.1x), the 200 search-benchmark queries paired, who goes first alternating.
 */
final class UpdateBenchmark {
    private static final int PARTITIONS = 4;
    private static final int K = 10;
    private static final int PASSES = 6;
    private static final int WARM_UP_UPDATES = 3;

    private UpdateBenchmark() {}



    private record Run(double cpuSeconds, double processCpuSeconds, double jitSeconds, double wallSeconds, long bytesWritten, long bytesRead, long bytesCopied, Map<String, Double> stages) {}

    static void run(BenchContext c, Report report) throws Exception {
        Path scratch = c.scratch("update-input");
        Path changed = scratch.resolve("changed.jsonl");
        Path deletes = scratch.resolve("deleted.txt");
        Path survivors = scratch.resolve("survivors.jsonl");
        long[] counts = prepare(c.corpus().file(), changed, deletes, survivors);
        String bucket = c.s3().newBucket();
        try (ObjectStore collection = ObjectStores.open(new StoreLocation.S3(bucket, "c/"), c.s3().settings().build(), Map.of())) {
            ObjectStore g1 = ObjectStores.prefixed(collection, "generations/g1/");
            build(c, g1, c.corpus().file(), PARTITIONS, Optional.empty(), BaseUpdate.NONE);
            // Warm-up of both sides (g1's build is the rebuild's): the JIT's start is in neither side's figures. An update
            // runs each of its code paths a few times only, so it takes a few updates to reach the steady state a
            // service that updates nightly is in.
            AppendBase base = AppendBase.open(g1, "g1");
            Path sortedDeletes = c.scratch("update-deletes");
            DeleteList.Sorted sorted = DeleteList.read(deletes.toString(), sortedDeletes, location -> {
                throw new IllegalArgumentException(location.uri());
            });
            BaseUpdate update = new BaseUpdate(true, Optional.of(new BaseUpdate.DeleteIds(sorted.list().getParent(), sorted.file(),
                    sorted.fingerprint(), sorted.source())), false);
            for (int warmUp = 0; warmUp < WARM_UP_UPDATES; warmUp++) {
                build(c, ObjectStores.prefixed(collection, "warm-up-" + warmUp + "/"), changed, 1, Optional.of(base), update);
            }

            List<Double> updateCpu = new ArrayList<>();
            List<Double> rebuildCpu = new ArrayList<>();
            List<Double> updateProcessCpu = new ArrayList<>();
            List<Double> rebuildProcessCpu = new ArrayList<>();
            List<Double> updateJit = new ArrayList<>();
            List<Double> rebuildJit = new ArrayList<>();
            List<Double> updateWall = new ArrayList<>();
            List<Double> rebuildWall = new ArrayList<>();
            List<Long> written = new ArrayList<>();
            List<Long> copied = new ArrayList<>();
            List<Long> read = new ArrayList<>();
            List<Map<String, Double>> stages = new ArrayList<>();
            ObjectStore lastUpdate = null;
            ObjectStore lastRebuild = null;
            int runs = Math.max(2, c.runs());
            for (int run = 0; run < runs; run++) {
                ObjectStore g2 = ObjectStores.prefixed(collection, "generations/g2-" + run + "/");
                ObjectStore fresh = ObjectStores.prefixed(collection, "rebuild-" + run + "/");
                List<Runnable> order = new ArrayList<>(List.of(
                        () -> {
                            Run measured = build(c, g2, changed, 1, Optional.of(base), update);
                            updateCpu.add(measured.cpuSeconds());
                            updateProcessCpu.add(measured.processCpuSeconds());
                            updateJit.add(measured.jitSeconds());
                            updateWall.add(measured.wallSeconds());
                            written.add(measured.bytesWritten());
                            stages.add(measured.stages());
                            copied.add(measured.bytesCopied());
                            read.add(measured.bytesRead());
                        },
                        () -> {
                            Run measured = build(c, fresh, survivors, PARTITIONS, Optional.empty(), BaseUpdate.NONE);
                            rebuildCpu.add(measured.cpuSeconds());
                            rebuildProcessCpu.add(measured.processCpuSeconds());
                            rebuildJit.add(measured.jitSeconds());
                            rebuildWall.add(measured.wallSeconds());
                        }));
                Collections.rotate(order, run);
                order.forEach(Runnable::run);
                lastUpdate = g2;
                lastRebuild = fresh;
            }
            c.say("update: per run: update %s CPU-s (%s with S3Proxy's; %s s; JIT %s s), rebuild %s CPU-s (%s with S3Proxy's; %s s; JIT %s s)",
                    updateCpu, updateProcessCpu, updateWall, updateJit, rebuildCpu, rebuildProcessCpu, rebuildWall, rebuildJit);
            String changes = String.format(Locale.ROOT, "%,d documents; %,d changed, %,d deleted", counts[0], counts[1], counts[2]);
            double cpuRatio = Stats.median(Stats.ratios(updateCpu, rebuildCpu));
            report.add(new Report.Row("update", "CPU-seconds of an update (1 % changed, 1 % deleted) vs a full rebuild",
                    Stats.median(updateCpu), Stats.median(rebuildCpu), cpuRatio, "cpu-s", "<= 0.1", cpuRatio <= 0.1,
                    String.format(Locale.ROOT, "%d runs paired, the order alternating; %s; the update: 1 worker and the finalizer;"
                            + " the job's CPU: the process's less S3Proxy's request threads (the store's work, which S3 does not"
                            + " bill a client's CPU for); with them, %.2f vs %.2f (paired ratio %.3f); the JIT compiler's time in them"
                            + " (CompilationMXBean), median: %.2f vs %.2f s; the update's wall seconds, last run: %s", runs,
                            changes, Stats.median(updateProcessCpu), Stats.median(rebuildProcessCpu),
                            Stats.median(Stats.ratios(updateProcessCpu, rebuildProcessCpu)), Stats.median(updateJit), Stats.median(rebuildJit),
                            wallStages(stages.getLast()))));
            double wallRatio = Stats.median(Stats.ratios(updateWall, rebuildWall));
            report.add(new Report.Row("update", "wall seconds of the update vs the rebuild", Stats.median(updateWall), Stats.median(rebuildWall),
                    wallRatio, "s", "<= 0.1", wallRatio <= 0.1, "4 partitions rebuilt one after the other, as one machine does"));

            IndexMetadata updated;
            try (CommittedIndex g2 = CommittedIndex.open(lastUpdate, c.scratch("update-cache-g2"), c.threads(), Progress.silent());
                 CommittedIndex rebuilt = CommittedIndex.open(lastRebuild, c.scratch("update-cache-rebuild"), c.threads(), Progress.silent())) {
                updated = g2.metadata();
                long bytes = updated.totals().bytes();
                long median = written.stream().sorted().toList().get(written.size() / 2);
                report.add(new Report.Row("update", "bytes the update uploaded vs the index's size", median, bytes, "bytes", "(reported)", null,
                        String.format(Locale.ROOT, "the new partition and each base partition's new commit (.liv, segments_N, id list,"
                                + " hotcache); besides, %,d bytes copied server-side (the base's files) and %,d bytes read (the worker's"
                                + " input is local: the base's id lists, hotcaches and the pages the deletions touched); %,d of %,d documents"
                                + " deleted in g2", copied.getFirst(), read.stream().sorted().toList().get(read.size() / 2), updated.deletedDocs(),
                                updated.totals().docs())));

                List<String> queries = SearchBenchmark.queries(c.spec());
                int sameIds = 0;
                for (String query : queries) {
                    if (ids(g2.search(query, K)).equals(ids(rebuilt.search(query, K)))) {
                        sameIds++;
                    }
                }
                for (String query : queries) {
                    g2.search(query, K);
                    rebuilt.search(query, K);
                }
                List<Double> ours = new ArrayList<>();
                List<Double> theirs = new ArrayList<>();
                for (int pass = 0; pass < PASSES; pass++) {
                    for (int q = 0; q < queries.size(); q++) {
                        String query = queries.get(q);
                        if ((pass + q) % 2 == 0) {
                            ours.add(SearchBenchmark.time(() -> g2.search(query, K)));
                            theirs.add(SearchBenchmark.time(() -> rebuilt.search(query, K)));
                        } else {
                            theirs.add(SearchBenchmark.time(() -> rebuilt.search(query, K)));
                            ours.add(SearchBenchmark.time(() -> g2.search(query, K)));
                        }
                    }
                }
                double p50 = Stats.median(ours) / Stats.median(theirs);
                report.add(new Report.Row("update", "search p50 on g2 (the update) vs the rebuild", Stats.median(ours), Stats.median(theirs), p50,
                        "ms", "<= 1.1", p50 <= 1.1, String.format(Locale.ROOT, "%d queries x %d passes, paired; g2 has %d partitions (%d with"
                                + " deletions), the rebuild %d; %d of %d queries find the same top-%d ids (scores differ: g2 still counts its"
                                + " deleted documents, as one Lucene index does until a merge)", queries.size(), PASSES,
                                updated.partitions().size(), updated.partitions().stream().filter(p -> p.deletedDocs() != null).count(),
                                rebuilt.metadata().partitions().size(), sameIds, queries.size(), K)));
            }
            BenchContext.empty(collection);
        }
    }

    /** The stages of an update worth naming, in wall seconds. */
    private static String wallStages(Map<String, Double> stages) {
        double worker = stages.entrySet().stream().filter(e -> e.getKey().startsWith("worker ")).mapToDouble(Map.Entry::getValue).sum();
        return String.format(Locale.ROOT, "worker %.2f, id check %.2f, deletions staged %.2f, copies %.2f, the rest of finalize %.2f", worker,
                stages.getOrDefault("finalize checking ids", 0.0), stages.getOrDefault("finalize deleting", 0.0),
                stages.getOrDefault("finalize copying", 0.0), stages.entrySet().stream().filter(e -> e.getKey().startsWith("finalize "))
                        .mapToDouble(Map.Entry::getValue).sum() - 2 * stages.getOrDefault("finalize checking ids", 0.0)
                        - 2 * stages.getOrDefault("finalize deleting", 0.0) - stages.getOrDefault("finalize copying", 0.0));
    }

    private static List<String> ids(dev.ftindex.search.SearchResult result) {
        return result.hits().stream().map(dev.ftindex.search.SearchResult.Hit::id).toList();
    }

    /** Workers for partitions 0..partitions-1 over {@code input}, one after the other, then the finalizer. */
    private static Run build(BenchContext c, ObjectStore root, Path input, int partitions, Optional<AppendBase> base, BaseUpdate update) {
        try {
            double cpu = BenchContext.cpuSeconds();
            Map<Long, Long> store = BenchContext.storeThreadsCpu();
            long compiling = java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
            long start = System.nanoTime();
            RequestMetrics.Snapshot before = root.metrics().snapshot();
            Map<String, Double> stages = new java.util.TreeMap<>();
            for (int p = 0; p < partitions; p++) {
                WorkerConfig.Builder config = WorkerConfig.builder(c.spec(), List.of(input.toString()), p)
                        .partitions(Optional.of(partitions)).threads(c.threads()).ramBufferMb(c.ramBufferMb())
                        .workDirectory(Optional.of(c.scratch("update-work"))).base(base.map(AppendBase::index));
                new Worker(root, config.build(), location -> {
                    throw new IllegalArgumentException("not a local input: " + location.uri());
                }, Progress.silent()).run().run().stageSeconds().forEach((stage, seconds) -> stages.merge("worker " + stage, seconds, Double::sum));
            }
            FinalizeResult result = new Finalizer(root, base, update, FinalizerConfig.defaults().withExpectedPartitions(partitions),
                    Progress.silent()).run();
            RequestMetrics.Snapshot after = root.metrics().snapshot();
            result.run().stageSeconds().forEach((stage, seconds) -> stages.merge("finalize " + stage, seconds, Double::sum));
            double process = BenchContext.cpuSeconds() - cpu;
            double jit = (java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - compiling) / 1e3;
            return new Run(process - BenchContext.storeCpuSecondsSince(store), process, jit, (System.nanoTime() - start) / 1e9, after.bytesWritten() - before.bytesWritten(),
                    after.bytesRead() - before.bytesRead(), result.copies().bytesCopied(), stages);
        } catch (Exception e) {
            throw new IllegalStateException("building " + root.location() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the changed lines (every 100th, rewritten), the ids deleted (every 100th from the
     * 50th) and the surviving documents (the corpus less the deleted, with the changed versions).
     *
     * @return documents, changed, deleted
     */
    private static long[] prepare(Path corpus, Path changed, Path deletes, Path survivors) throws Exception {
        long n = 0;
        long changes = 0;
        long deleted = 0;
        try (BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8);
             BufferedWriter changedOut = Files.newBufferedWriter(changed, StandardCharsets.UTF_8);
             BufferedWriter deletesOut = Files.newBufferedWriter(deletes, StandardCharsets.UTF_8);
             BufferedWriter survivorsOut = Files.newBufferedWriter(survivors, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                long i = n++;
                if (i % 100 == 50) {
                    deletesOut.write(Json.MAPPER.readTree(line).path("id").asText());
                    deletesOut.write('\n');
                    deleted++;
                    continue;
                }
                if (i % 100 == 0) {
                    ObjectNode document = (ObjectNode) Json.MAPPER.readTree(line);
                    // A new version: other words in the same fields.
                    document.put("title", "revised " + document.path("title").asText());
                    document.put("contents", reversed(document.path("contents").asText()) + " revised edition");
                    line = document.toString();
                    changedOut.write(line);
                    changedOut.write('\n');
                    changes++;
                }
                survivorsOut.write(line);
                survivorsOut.write('\n');
            }
        }
        return new long[] {n, changes, deleted};
    }

    private static String reversed(String text) {
        List<String> words = new ArrayList<>(List.of(text.split(" ")));
        Collections.reverse(words);
        return String.join(" ", words.subList(0, Math.max(1, words.size() / 2)));
    }
}
