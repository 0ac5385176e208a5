package dev.ftindex.bench;

import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.worker.CheckpointInterval;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import dev.ftindex.worker.WorkerResult;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** What every benchmark shares: the corpus, the spec, the settings, scratch space and an S3 server on loopback. */
record BenchContext(Corpus corpus, IndexSpec spec, Path work, int runs, int threads, double ramBufferMb, S3ProxyServer s3,
                    Path ftindexJar, PrintStream log) {

    /** A store at a fresh prefix of a fresh bucket of the loopback S3 server. */
    ObjectStore newS3Index() {
        String bucket = s3.newBucket();
        return ObjectStores.open(new StoreLocation.S3(bucket, "idx/"), s3.settings().build(), Map.of());
    }

    /** A worker's run and how long it took, from its start to its manifest. */
    record WorkerRun(WorkerResult result, double seconds) {
        double docsPerSecond() {
            return result.docs() / seconds;
        }
    }

    /**
     * One worker over a local {@code input} into a fresh index on the S3 server, with this run's
     * threads and RAM buffer, built in the scratch directory {@code workDirectory}; timed, and the
     * store emptied afterwards.
     */
    WorkerRun worker(IndexSpec spec, Path input, String workDirectory) throws IOException {
        return worker(spec, input, workDirectory, CheckpointInterval.AUTO);
    }

    /** As {@link #worker(IndexSpec, Path, String)}, checkpointing every {@code checkpoints}. */
    WorkerRun worker(IndexSpec spec, Path input, String workDirectory, CheckpointInterval checkpoints) throws IOException {
        try (ObjectStore store = newS3Index()) {
            WorkerConfig config = WorkerConfig.builder(spec, List.of(input.toString()), 0)
                    .threads(threads).ramBufferMb(ramBufferMb).workDirectory(Optional.of(scratch(workDirectory))).checkpoints(checkpoints).build();
            long start = System.nanoTime();
            WorkerResult result = new Worker(store, config, location -> {
                throw new IllegalArgumentException("not a local input: " + location.uri());
            }, Progress.silent()).run();
            double seconds = (System.nanoTime() - start) / 1e9;
            empty(store);
            return new WorkerRun(result, seconds);
        }
    }

    ObjectStore s3Bucket(String bucket) {
        return ObjectStores.open(new StoreLocation.S3(bucket, ""), s3.settings().build(), Map.of());
    }

    Path scratch(String name) throws IOException {
        Path directory = work.resolve(name);
        delete(directory);
        Files.createDirectories(directory);
        return directory;
    }

    static void delete(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** Removes everything a benchmark wrote to a store, so the disk does not fill up. */
    static void empty(ObjectStore store) {
        List<String> keys = store.list("").stream().map(ObjectInfo::key).toList();
        if (!keys.isEmpty()) {
            store.deleteAll(keys);
        }
    }

    /** CPU time of this process so far, in seconds. */
    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /**
     * The CPU nanoseconds so far of each thread that serves S3Proxy's requests (its Jetty pool, named
     * "S3Proxy-…"), by thread id: the store's own work in this process, which a client of S3 does not pay.
     */
    static Map<Long, Long> storeThreadsCpu() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new java.util.HashMap<>();
        for (java.lang.management.ThreadInfo info : threads.dumpAllThreads(false, false)) {
            if (info.getThreadName().startsWith("S3Proxy-")) {
                long nanos = threads.getThreadCpuTime(info.getThreadId());
                if (nanos >= 0) {
                    cpu.put(info.getThreadId(), nanos);
                }
            }
        }
        return cpu;
    }

    /**
     * The CPU seconds S3Proxy's request threads spent since {@code before} ({@link #storeThreadsCpu}):
     * of the threads alive now; one that ended meanwhile is left out, so its work stays counted as
     * the job's (this errs against the job, never for it).
     */
    static double storeCpuSecondsSince(Map<Long, Long> before) {
        long nanos = 0;
        for (Map.Entry<Long, Long> now : storeThreadsCpu().entrySet()) {
            nanos += now.getValue() - before.getOrDefault(now.getKey(), 0L);
        }
        return nanos / 1e9;
    }

    void say(String format, Object... args) {
        log.printf("bench: " + format + "%n", args);
        log.flush();
    }
}
