package dev.ftindex.builder;

import dev.ftindex.builder.Assignment.Split;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.Tasks;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.AlreadyClosedException;

/**
 * Reads a worker's share on the calling thread and indexes it on several: the reader cuts lines
 * into batches, the indexers parse, map and add them to one {@link IndexWriter} (which gives each
 * thread its own in-memory segment).
 *
 * <p>Failure rule: the first failure stops the reading, the indexers drain the queue without
 * indexing, and the root cause is the one reported. A failure that another one caused (an
 * {@link AlreadyClosedException} from a writer that a full disk closed in another thread) never
 * wins over its cause: it is attached to it as suppressed.
 */
final class IndexingPipeline {
    private static final int BATCH_LINES = 512;
    private static final int BATCH_BYTES = 1 << 20;
    private static final Lines END = new Lines(null, new byte[0], new int[0], new int[0], new long[0], new long[0], 0);

    private final List<Split> share;
    private final IndexSpec spec;
    private final DocumentMapper mapper;
    private final IndexWriter writer;
    private final int threads;
    private final BadRecords badRecords;
    private final Stage stage;
    private final BlockingQueue<Lines> queue;
    private final LongAdder documents = new LongAdder();
    private Throwable failure;

    /**
     * @param badRecords where skipped records go, or null to fail on the first bad record
     */
    IndexingPipeline(List<Split> share, IndexSpec spec, IndexWriter writer, int threads, BadRecords badRecords, Stage stage) {
        this.share = share;
        this.spec = spec;
        this.mapper = new DocumentMapper(spec);
        this.writer = writer;
        this.threads = threads;
        this.badRecords = badRecords;
        this.stage = stage;
        this.queue = new ArrayBlockingQueue<>(threads * 2);
    }

    /** Indexes the whole share and returns the number of documents added. */
    long run() throws IOException {
        List<Split> parquet = new ArrayList<>();
        readText(parquet);
        if (!parquet.isEmpty() && !failed()) {
            readParquet(parquet);
        }
        Throwable error = rootCause();
        if (error != null) {
            switch (error) {
                case IOException io -> throw io;
                case RuntimeException runtime -> throw runtime;
                case Error fatal -> throw fatal;
                default -> throw new IllegalStateException(error);
            }
        }
        return documents.sum();
    }

    /** The text splits, on the reading thread, into batches the indexers parse; Parquet splits are set aside in {@code parquet}. */
    private void readText(List<Split> parquet) {
        ExecutorService indexers = pool("indexer");
        List<Future<?>> running = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                running.add(indexers.submit(this::index));
            }
            try {
                for (Split split : share) {
                    if (failed()) {
                        break;
                    }
                    if (SplitReader.parquet(split) || !readText(split)) {
                        parquet.add(split);
                    }
                }
            } catch (Throwable e) {
                fail(e);
            } finally {
                for (int i = 0; i < threads; i++) {
                    putUninterruptibly(END);
                }
                for (Future<?> indexer : running) {
                    awaitUninterruptibly(indexer);
                }
            }
        } finally {
            indexers.shutdownNow();
        }
    }

    /**
     * The Parquet splits, a row group at a time on every indexing thread: each thread decodes,
     * maps and indexes its row group, so decoding is as parallel as analysis (a single reading
     * thread would be the bottleneck).
     */
    private void readParquet(List<Split> splits) {
        ExecutorService readers = pool("parquet");
        try {
            List<ParquetSplits.RowGroupSlice> slices = new ArrayList<>();
            for (Split split : splits) {
                slices.addAll(ParquetSplits.rowGroups(split, stage));
            }
            List<Callable<Void>> tasks = new ArrayList<>();
            for (ParquetSplits.RowGroupSlice slice : slices) {
                tasks.add(() -> {
                    if (!failed()) {
                        indexRowGroup(slice);
                    }
                    return null;
                });
            }
            Tasks.runAll(readers, tasks);
        } catch (Throwable e) {
            fail(e);
        } finally {
            readers.shutdownNow();
        }
    }

    private void indexRowGroup(ParquetSplits.RowGroupSlice slice) throws IOException {
        ParquetSplits.read(slice, spec, false, stage, (mapping, row, location) -> {
            Document document;
            try {
                document = mapping.map(row);
            } catch (BadRecordException e) {
                String where = location + ": " + e.getMessage();
                if (badRecords == null) {
                    throw new BadInputException(where + " (use --skip-bad-records to skip such records and report them)");
                }
                badRecords.add(where);
                return true;
            }
            writer.addDocument(document);
            documents.increment();
            stage.add(1, 0);
            return !failed();
        });
    }

    private ExecutorService pool(String name) {
        AtomicInteger count = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Reads the split as text; false (nothing read) when it turned out to be Parquet. */
    private boolean readText(Split split) throws IOException {
        BatchBuilder[] batch = {new BatchBuilder(split)};
        boolean text = SplitReader.read(split, stage, (buffer, start, length, lineNumber, offset) -> {
            batch[0].add(buffer, start, length, lineNumber, offset);
            if (batch[0].full()) {
                if (!enqueue(batch[0].build())) {
                    return false;
                }
                batch[0] = new BatchBuilder(split);
            }
            return true;
        });
        if (batch[0].count > 0) {
            enqueue(batch[0].build());
        }
        return text;
    }

    /** One indexer: takes batches until the end marker; after a failure, keeps draining without indexing. */
    private void index() {
        while (true) {
            Lines batch;
            try {
                batch = queue.take();
            } catch (InterruptedException e) {
                fail(e);
                return;
            }
            if (batch == END) {
                return;
            }
            if (failed()) {
                continue;
            }
            try {
                indexLines(batch);
            } catch (Throwable e) {
                fail(e);
            }
        }
    }

    private void indexLines(Lines batch) throws IOException {
        int added = 0;
        for (int i = 0; i < batch.count; i++) {
            Document document;
            try {
                document = mapper.map(batch.data, batch.starts[i], batch.lengths[i]);
            } catch (BadRecordException e) {
                String where = batch.location(i) + ": " + e.getMessage();
                if (badRecords == null) {
                    throw new BadInputException(where + " (use --skip-bad-records to skip such records and report them)");
                }
                badRecords.add(where);
                continue;
            }
            writer.addDocument(document);
            added++;
        }
        documents.add(added);
        stage.add(added, 0);
    }

    private synchronized boolean failed() {
        return failure != null;
    }

    private synchronized void fail(Throwable e) {
        if (failure == null) {
            failure = e;
        } else if (failure != e) {
            if (secondary(failure) && !secondary(e)) {
                e.addSuppressed(failure);
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * The failure to report. When a tragic event closed the writer (a full disk during a flush),
     * that event is the cause of every "this IndexWriter is closed" the other threads saw.
     */
    private synchronized Throwable rootCause() {
        Throwable tragic = writer.getTragicException();
        if (tragic != null && (failure == null || secondary(failure)) && failure != tragic) {
            if (failure != null) {
                tragic.addSuppressed(failure);
            }
            failure = tragic;
        }
        return failure;
    }

    /** A failure that only reports an earlier one elsewhere. */
    private static boolean secondary(Throwable e) {
        return e instanceof AlreadyClosedException;
    }

    /** Puts a batch on the queue; false once the pipeline has failed (the batch is dropped). */
    private boolean enqueue(Lines batch) {
        if (failed()) {
            return false;
        }
        try {
            queue.put(batch);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
            return false;
        }
    }

    /** Indexers drain the queue until they see the end marker, so this always completes. */
    private void putUninterruptibly(Lines batch) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(batch);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitUninterruptibly(Future<?> future) {
        boolean interrupted = false;
        while (true) {
            try {
                future.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                // index() catches everything itself; nothing arrives here.
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lines of one split, copied into one array. */
    private record Lines(Split split, byte[] data, int[] starts, int[] lengths, long[] lineNumbers, long[] offsets, int count) {
        String location(int i) {
            return SplitReader.location(split, lineNumbers[i], offsets[i]);
        }
    }

    private static final class BatchBuilder {
        private final Split split;
        // Sized for a full batch at once: growing from a small array would copy (and
        // allocate) each batch about twice over.
        private byte[] data = new byte[BATCH_BYTES + (BATCH_BYTES >> 3)];
        private int size;
        private final int[] starts = new int[BATCH_LINES];
        private final int[] lengths = new int[BATCH_LINES];
        private final long[] lineNumbers = new long[BATCH_LINES];
        private final long[] offsets = new long[BATCH_LINES];
        private int count;

        BatchBuilder(Split split) {
            this.split = split;
        }

        void add(byte[] buffer, int start, int length, long lineNumber, long offset) {
            if (size + length > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + length));
            }
            System.arraycopy(buffer, start, data, size, length);
            starts[count] = size;
            lengths[count] = length;
            lineNumbers[count] = lineNumber;
            offsets[count] = offset;
            size += length;
            count++;
        }

        boolean full() {
            return count == BATCH_LINES || size >= BATCH_BYTES;
        }

        Lines build() {
            return new Lines(split, data, starts, lengths, lineNumbers, offsets, count);
        }
    }
}
