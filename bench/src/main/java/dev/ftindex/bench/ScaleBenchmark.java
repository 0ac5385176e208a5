package dev.ftindex.bench;

import dev.ftindex.finalizer.FinalizeResult;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IdList;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.BytesRef;

/**
 * 6. Finalize of 1, 10, 100 and 1000 (or any) small partitions on S3Proxy, or in memory where
 * S3Proxy on the same cores is the bottleneck ({@code --scale-store memory}). The partitions are copies of
 * one real staged partition (its files, and manifests of their own), so that staging 1000 of
 * them takes seconds; the finalizer cannot tell, but for the id lists: each copy gets a list of
 * its own ({@code --scale-ids} ids, default 10,000, under a prefix of the partition's number), so
 * that the check that ids are unique across partitions merges as many distinct ids as partitions of
 * that size hold and finds none twice. Time and requests should grow linearly, and listings only by a page per thousand
 * keys; {@code metadata.lance}'s size and parse time, and the id check's time, requests and
 * bytes, are reported for each count.
 */
final class ScaleBenchmark {
    private ScaleBenchmark() {}

    /** Where the partitions are staged: the in-process S3 server, or memory where that server is the bottleneck. */
    enum Store {
        S3, MEMORY;

        static Store parse(String name) {
            return switch (name) {
                case "s3" -> S3;
                case "memory" -> MEMORY;
                default -> throw new IllegalArgumentException("--scale-store is s3 or memory, not " + name);
            };
        }
    }

    /** @param idsPerPartition ids in each partition's list (the check's work grows with their total) */
    static void run(BenchContext c, Report report, List<Integer> counts, Store store, int idsPerPartition) throws Exception {
        Map<String, byte[]> files = new HashMap<>();
        List<BytesRef> ids = new ArrayList<>();
        for (int i = 0; i < idsPerPartition; i++) {
            ids.add(new BytesRef(String.format(java.util.Locale.ROOT, "doc-%09d", i)));
        }
        PartitionManifest template;
        try (ObjectStore source = c.newS3Index()) {
            java.nio.file.Path tiny = c.corpus().head(c.scratch("scale").resolve("tiny.jsonl"), 20_000).file();
            new Worker(source, WorkerConfig.of(c.spec(), List.of(tiny.toString()), 0, Optional.empty()).withThreads(1)
                    .withWorkDirectory(c.scratch("scale-work")), location -> null, Progress.silent()).run();
            template = StoredJson.read(source, IndexLayout.manifestKey(0), PartitionManifest.class);
            for (FileEntry file : template.files()) {
                try (ObjectStream stream = source.get(IndexLayout.stagedFileKey(0, template.attempt(), file.name()))) {
                    files.put(file.name(), stream.readAllRemaining());
                }
            }
        }
        double firstPerPartition = Double.NaN;
        for (int count : counts) {
            try (ObjectStore index = store == Store.S3 ? c.newS3Index() : InMemoryObjectStore.create()) {
                long staging = System.nanoTime();
                stage(index, template, files, ids, count);
                c.say("scale %d partitions: staged in %.1f s (%s)", count, (System.nanoTime() - staging) / 1e9, index.location());
                FinalizeResult result = new Finalizer(index, FinalizerConfig.defaults().withExpectedPartitions(count), Progress.silent()).run();
                var requests = result.run().requests();
                double perPartition = (double) requests.total() / count;
                if (Double.isNaN(firstPerPartition)) {
                    firstPerPartition = perPartition;
                }
                c.say("scale %d partitions: %.2f s, %d requests %s", count, result.run().seconds(), requests.total(), requests.byOperation());
                report.figure("scale", count + " partitions: finalize time", result.run().seconds(), "s", "");
                report.figure("scale", count + " partitions: requests per partition", perPartition, "requests",
                        requests.byOperation().toString());
                idCheck(c, report, result, count);
                metadata(c, report, index, count);
                if (store == Store.MEMORY) {
                    // One call lists everything there: no pages to count.
                    BenchContext.empty(index);
                    continue;
                }
                long lists = requests.count("ListObjectsV2");
                // Manifests (a shallow listing: each partition is one object and one common
                // prefix), the final files (none yet), and staging/ for the cleanup.
                long needed = pages(2L * count) + 1 + pages((long) count * (files.size() + 1) + 1);
                report.add(new Report.Row("scale", count + " partitions: LIST requests", lists, needed, "requests",
                        "<= pages needed", lists <= needed, "a page per 1000 keys"));
                BenchContext.empty(index);
            }
        }
    }

    /** What checking the ids across the partitions cost; nothing to check for one partition. */
    private static void idCheck(BenchContext c, Report report, FinalizeResult result, int count) {
        FinalizeResult.IdCheck check = result.idCheck();
        if (check == null) {
            c.say("scale %d partitions: no id check (one partition)", count);
            report.figure("scale", count + " partitions: id check time", 0, "s", "one partition: nothing to compare");
            return;
        }
        if (check.duplicates() != 0 || check.lists() != count) {
            throw new IllegalStateException("the id check merged " + check.lists() + " lists and found " + check.duplicates() + " duplicates");
        }
        c.say("scale %d partitions: id check %.2f s, %,d ids, %d requests, %,d bytes", count, check.seconds(), check.ids(), check.requests(),
                check.bytes());
        report.figure("scale", count + " partitions: id check time", check.seconds(), "s", String.format(java.util.Locale.ROOT,
                "%,d ids merged; %.1f%% of the finalize", check.ids(), 100 * check.seconds() / result.run().seconds()));
        report.figure("scale", count + " partitions: id check requests", check.requests(), "requests", String.format(java.util.Locale.ROOT,
                "%,d bytes read", check.bytes()));
    }

    /** The commit marker's size, and how long reading it back takes (the median of 5 parses, after 3 unmeasured). */
    private static void metadata(BenchContext c, Report report, ObjectStore index, int count) throws Exception {
        byte[] bytes;
        try (ObjectStream stream = index.get(IndexLayout.METADATA)) {
            bytes = stream.readAllRemaining();
        }
        List<Double> parses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            long start = System.nanoTime();
            IndexMetadata metadata = Json.readChecksummed(bytes, IndexMetadata.class);
            double millis = (System.nanoTime() - start) / 1e6;
            if (metadata.totals().partitions() != count) {
                throw new IllegalStateException("metadata.lance lists " + metadata.totals().partitions() + " partitions, not " + count);
            }
            if (i >= 3) {
                parses.add(millis);
            }
        }
        c.say("scale %d partitions: metadata.lance %,d bytes, parsed in %.2f ms", count, bytes.length, Stats.median(parses));
        report.figure("scale", count + " partitions: metadata.lance size", bytes.length / 1e3, "kB", "");
        report.figure("scale", count + " partitions: metadata.lance parse time", Stats.median(parses), "ms", "checksum verified, median of 5");
    }

    private static long pages(long keys) {
        return Math.max(1, (keys + 999) / 1000);
    }

    /**
     * Writes {@code count} partitions, each a copy of the template's files under an attempt of its own,
     * but with an id list of its own: {@code ids} after a prefix of the partition's number.
     */
    private static void stage(ObjectStore index, PartitionManifest template, Map<String, byte[]> files, List<BytesRef> ids, int count)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (int p = 0; p < count; p++) {
                int partition = p;
                puts.add(pool.submit(() -> {
                    String attempt = "bench-" + partition;
                    byte[] list = idList(ids, String.format(java.util.Locale.ROOT, "p%06d/", partition));
                    List<FileEntry> entries = new ArrayList<>();
                    for (FileEntry file : template.files()) {
                        byte[] bytes = file.name().equals(IdList.NAME) ? list : files.get(file.name());
                        entries.add(file.name().equals(IdList.NAME) ? new FileEntry(file.name(), bytes.length, footerChecksum(bytes)) : file);
                        index.put(IndexLayout.stagedFileKey(partition, attempt, file.name()), Payload.of(bytes));
                    }
                    PartitionManifest manifest = new PartitionManifest(template.format(), template.formatVersion(), partition, attempt, count,
                            template.docCount(), template.luceneVersion(), template.spec(), template.specFingerprint(), template.input(),
                            entries, template.fieldStats(), 0, null, template.createdAt(), template.writeId());
                    index.putIfAbsent(IndexLayout.manifestKey(partition), Payload.of(Json.writeChecksummed(manifest)));
                    return null;
                }));
            }
            for (Future<?> put : puts) {
                put.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The list of {@code ids} (in byte order) each after {@code prefix}: still in byte order, distinct from every other prefix's. */
    private static byte[] idList(List<BytesRef> ids, String prefix) throws IOException {
        byte[] head = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (ByteBuffersDirectory directory = new ByteBuffersDirectory()) {
            java.util.Iterator<BytesRef> each = ids.iterator();
            IdList.write(directory, "id", ids.size(), new java.util.Iterator<>() {
                @Override
                public boolean hasNext() {
                    return each.hasNext();
                }

                @Override
                public BytesRef next() {
                    BytesRef id = each.next();
                    byte[] bytes = java.util.Arrays.copyOf(head, head.length + id.length);
                    System.arraycopy(id.bytes, id.offset, bytes, head.length, id.length);
                    return new BytesRef(bytes);
                }
            });
            try (IndexInput in = directory.openInput(IdList.NAME, IOContext.READONCE)) {
                byte[] bytes = new byte[(int) in.length()];
                in.readBytes(bytes, 0, bytes.length);
                return bytes;
            }
        }
    }

    private static long footerChecksum(byte[] bytes) {
        return java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong();
    }
}
