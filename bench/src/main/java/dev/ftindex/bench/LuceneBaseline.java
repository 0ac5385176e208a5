package dev.ftindex.bench;

import dev.ftindex.format.Analyzers;
import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.IndexSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;

/**
 * The yardstick: one plain Lucene {@link IndexWriter} on local disk, fed by a reader thread and
 * {@code threads} indexing threads, with the same analyzers, field mapping, RAM buffer, compound
 * files and force-merge as a worker. No staging, no verification, no upload.
 */
final class LuceneBaseline {
    private static final List<byte[]> END = new ArrayList<>();

    /** How long the last run spent indexing (with the final flush) and force-merging. */
    static volatile String lastPhases = "";

    private LuceneBaseline() {}

    /**
     * The baseline as a program of its own, as someone would write it:
     * {@code CORPUS SPEC_FILE THREADS RAM_BUFFER_MB SEGMENTS DIRECTORY}; prints
     * {@code {"docs": N, "seconds": S}} (seconds from the first line read to the last commit).
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: LuceneBaseline CORPUS SPEC_FILE THREADS RAM_BUFFER_MB SEGMENTS DIRECTORY");
        }
        IndexSpec spec = IndexSpec.read(Path.of(args[1]));
        long start = System.nanoTime();
        long docs = index(Path.of(args[0]), spec, Integer.parseInt(args[2]), Double.parseDouble(args[3]), Integer.parseInt(args[4]), Path.of(args[5]));
        System.out.printf(java.util.Locale.ROOT, "{\"docs\": %d, \"seconds\": %.3f, \"phases\": \"%s\"}%n", docs, (System.nanoTime() - start) / 1e9,
                lastPhases);
    }

    /** Indexes the whole corpus into {@code directory}; returns the documents indexed. */
    static long index(Path corpus, IndexSpec spec, int threads, double ramBufferMb, int segments, Path directory) throws Exception {
        TieredMergePolicy mergePolicy = new TieredMergePolicy();
        mergePolicy.setNoCFSRatio(1.0);
        IndexWriterConfig config = new IndexWriterConfig(Analyzers.forSpec(spec))
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
                .setRAMBufferSizeMB(ramBufferMb)
                .setUseCompoundFile(true)
                .setMergePolicy(mergePolicy)
                .setSimilarity(new BM25Similarity((float) spec.similarity().k1(), (float) spec.similarity().b()));
        DocumentMapper mapper = new DocumentMapper(spec);
        BlockingQueue<List<byte[]>> queue = new ArrayBlockingQueue<>(threads * 2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] counts = new long[threads];
        Files.createDirectories(directory);
        long began = System.nanoTime();
        try (FSDirectory lucene = FSDirectory.open(directory); IndexWriter writer = new IndexWriter(lucene, config)) {
            List<Thread> indexers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread thread = new Thread(() -> {
                    try {
                        List<byte[]> batch;
                        while ((batch = queue.take()) != END) {
                            for (byte[] line : batch) {
                                writer.addDocument(mapper.map(line, 0, line.length));
                                counts[id]++;
                            }
                        }
                    } catch (IOException | InterruptedException | BadRecordException e) {
                        failure.compareAndSet(null, e);
                    }
                });
                thread.start();
                indexers.add(thread);
            }
            try (InputStream in = Files.newInputStream(corpus)) {
                byte[] buffer = new byte[1 << 20];
                byte[] partial = new byte[0];
                List<byte[]> batch = new ArrayList<>(512);
                int n;
                while ((n = in.read(buffer)) > 0 && failure.get() == null) {
                    int start = 0;
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] == '\n') {
                            byte[] line = concat(partial, buffer, start, i);
                            partial = new byte[0];
                            if (line.length > 0) {
                                batch.add(line);
                            }
                            start = i + 1;
                            if (batch.size() == 512) {
                                queue.put(batch);
                                batch = new ArrayList<>(512);
                            }
                        }
                    }
                    partial = concat(partial, buffer, start, n);
                }
                if (partial.length > 0) {
                    batch.add(partial);
                }
                if (!batch.isEmpty()) {
                    queue.put(batch);
                }
            }
            for (int t = 0; t < threads; t++) {
                queue.put(END);
            }
            for (Thread thread : indexers) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new IllegalStateException("baseline indexing failed", failure.get());
            }
            writer.commit();
            long indexed = System.nanoTime();
            writer.forceMerge(segments);
            writer.commit();
            lastPhases = String.format("indexing=%.2f merging=%.2f", (indexed - began) / 1e9, (System.nanoTime() - indexed) / 1e9);
        }
        return Arrays.stream(counts).sum();
    }

    private static byte[] concat(byte[] head, byte[] buffer, int from, int to) {
        byte[] line = Arrays.copyOf(head, head.length + (to - from));
        System.arraycopy(buffer, from, line, head.length, to - from);
        return line;
    }
}
