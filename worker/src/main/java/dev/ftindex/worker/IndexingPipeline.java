package dev.ftindex.worker;

import dev.ftindex.builder.PartitionBuild;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.CheckpointRecord;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.Tasks;
import dev.ftindex.worker.Assignment.Split;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
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
 *
 * <p>Checkpoints: where a {@link Checkpointer} says one is due, the reader stops at the start of a
 * batch (text) or between row groups (Parquet), waits until everything handed out is indexed, and
 * has the checkpointer commit with the exact position reached: for each split of the share, done,
 * the offset of its first line not yet indexed, or the row groups indexed. A pipeline started from
 * such positions reads only what they leave.
 */
final class IndexingPipeline {
    private static final int BATCH_LINES = 512;
    private static final int BATCH_BYTES = 1 << 20;
    private static final Batch END = new Batch(0);

    private final List<Split> share;
    private final IndexSpec spec;
    private final DocumentMapper mapper;
    private final PartitionBuild build;
    private final int threads;
    private final BadRecords badRecords;
    private final Stage stage;
    private final BlockingQueue<Batch> queue;
    /**
     * Batches the indexers are done with, filled again by the reader. A batch's array is over
     * half a G1 region, so a new one each time is a humongous allocation, and enough of them
     * start a concurrent cycle: 16 of the 21 collections of a real-corpus build were started
     * that way, none once batches were reused (docs/benchmarks.md). There are never more than
     * the queue's capacity plus one per thread.
     */
    private final Queue<Batch> spare = new ConcurrentLinkedQueue<>();
    private final LongAdder documents = new LongAdder();
    /** Batches handed to the indexers and not yet indexed: a checkpoint waits for none. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();
    private final Checkpointer checkpointer;
    /** Where each split of the share stands, in share order: what a checkpoint records. */
    private final CheckpointRecord.SplitPosition[] positions;
    private Throwable failure;

    /** Takes a checkpoint when one is due: the pipeline calls it with nothing in flight. */
    interface Checkpointer {
        /** Whether a checkpoint is due now (cheap: asked before every batch). */
        boolean due();

        /**
         * Commits what is indexed and records it with {@code positions}.
         *
         * @param documents documents this pipeline indexed so far
         */
        void take(List<CheckpointRecord.SplitPosition> positions, long documents) throws IOException;
    }

    /**
     * @param badRecords where skipped records go, or null to fail on the first bad record
     */
    IndexingPipeline(List<Split> share, IndexSpec spec, PartitionBuild build, int threads, BadRecords badRecords, Stage stage) {
        this(share, spec, build, threads, badRecords, stage, null, null);
    }

    /**
     * @param start where each split stands (a checkpoint's positions), or null to read the whole share
     * @param checkpointer takes checkpoints, or null for none
     */
    IndexingPipeline(List<Split> share, IndexSpec spec, PartitionBuild build, int threads, BadRecords badRecords, Stage stage,
            List<CheckpointRecord.SplitPosition> start, Checkpointer checkpointer) {
        if (start != null && start.size() != share.size()) {
            throw new IllegalArgumentException("a checkpoint of " + start.size() + " splits for a share of " + share.size());
        }
        this.checkpointer = checkpointer;
        this.positions = new CheckpointRecord.SplitPosition[share.size()];
        for (int i = 0; i < share.size(); i++) {
            positions[i] = start == null ? CheckpointRecord.SplitPosition.UNTOUCHED : start.get(i);
        }
        this.share = share;
        this.spec = spec;
        this.mapper = new DocumentMapper(spec);
        this.build = build;
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
                for (int i = 0; i < share.size(); i++) {
                    Split split = share.get(i);
                    if (failed()) {
                        break;
                    }
                    if (positions[i].done()) {
                        continue;
                    }
                    if (SplitReader.parquet(split) || !readText(i, split)) {
                        parquet.add(split);
                    } else {
                        positions[i] = CheckpointRecord.SplitPosition.DONE;
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
            // Each slice with the index of its split in the share; those a checkpoint holds are left out.
            List<ParquetSplits.RowGroupSlice> slices = new ArrayList<>();
            List<Integer> owners = new ArrayList<>();
            for (Split split : splits) {
                int i = share.indexOf(split);
                Set<Integer> done = positions[i].rowGroupsDone() == null ? Set.of() : Set.copyOf(positions[i].rowGroupsDone());
                for (ParquetSplits.RowGroupSlice slice : ParquetSplits.rowGroups(split, stage)) {
                    if (!done.contains(slice.index())) {
                        slices.add(slice);
                        owners.add(i);
                    }
                }
                if (positions[i].rowGroupsDone() == null) {
                    positions[i] = new CheckpointRecord.SplitPosition(false, null, List.of());
                }
            }
            if (checkpointer == null) {
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
            } else {
                readParquetWithCheckpoints(readers, slices, owners);
            }
            for (Split split : splits) {
                positions[share.indexOf(split)] = CheckpointRecord.SplitPosition.DONE;
            }
        } catch (Throwable e) {
            fail(e);
        } finally {
            readers.shutdownNow();
        }
    }

    /**
     * Row groups on every thread as {@link #readParquet} runs them, with a pause between row groups
     * whenever a checkpoint is due: no new row group starts, the running ones finish, the
     * checkpoint records the row groups indexed.
     */
    private void readParquetWithCheckpoints(ExecutorService readers, List<ParquetSplits.RowGroupSlice> slices, List<Integer> owners)
            throws IOException, InterruptedException, ExecutionException {
        Map<Integer, List<Integer>> indexed = new ConcurrentHashMap<>();
        List<Future<?>> running = new ArrayList<>();
        for (int s = 0; s < slices.size() && !failed(); s++) {
            while (running.size() >= threads) {
                running.removeIf(Future::isDone);
                if (running.size() >= threads) {
                    Thread.sleep(2);
                }
            }
            if (checkpointer.due()) {
                for (Future<?> future : running) {
                    future.get();
                }
                running.clear();
                if (failed()) {
                    break;
                }
                indexed.forEach((i, groups) -> positions[i] = new CheckpointRecord.SplitPosition(false, null,
                        union(positions[i].rowGroupsDone(), groups)));
                indexed.clear();
                checkpointer.take(List.of(positions), documents.sum());
            }
            ParquetSplits.RowGroupSlice slice = slices.get(s);
            int owner = owners.get(s);
            running.add(readers.submit(() -> {
                if (!failed()) {
                    indexRowGroup(slice);
                    indexed.computeIfAbsent(owner, o -> Collections.synchronizedList(new ArrayList<>())).add(slice.index());
                }
                return null;
            }));
        }
        for (Future<?> future : running) {
            future.get();
        }
    }

    private static List<Integer> union(List<Integer> a, List<Integer> b) {
        TreeSet<Integer> all = new TreeSet<>(a == null ? List.of() : a);
        synchronized (b) {
            all.addAll(b);
        }
        return List.copyOf(all);
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
            build.add(document);
            documents.increment();
            stage.add(1, 0);
            return !failed();
        });
    }

    private ExecutorService pool(String name) {
        return Tasks.pool(threads, name);
    }

    /**
     * Reads split {@code i} as text, from where its position stands; false (nothing read) when
     * it turned out to be Parquet. A checkpoint that is due is taken before a batch's first line.
     */
    private boolean readText(int i, Split split) throws IOException {
        Batch[] batch = {batchFor(split)};
        long resumeAt = positions[i].nextOffset() == null ? 0 : positions[i].nextOffset();
        boolean text = SplitReader.read(split, resumeAt, stage, (buffer, start, length, lineNumber, offset) -> {
            if (checkpointer != null && batch[0].count == 0 && checkpointer.due()) {
                positions[i] = new CheckpointRecord.SplitPosition(false, offset, null);
                if (!checkpoint()) {
                    return false;
                }
            }
            batch[0].add(buffer, start, length, lineNumber, offset);
            if (batch[0].full()) {
                if (!enqueue(batch[0])) {
                    return false;
                }
                batch[0] = batchFor(split);
            }
            return true;
        });
        if (batch[0].count > 0) {
            enqueue(batch[0]);
        } else {
            spare.offer(batch[0]);
        }
        return text;
    }

    /** Waits until every batch handed out is indexed, then has the checkpointer commit; false once the pipeline failed. */
    private boolean checkpoint() throws IOException {
        synchronized (drained) {
            while (inFlight.get() > 0 && !failed()) {
                try {
                    drained.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail(e);
                }
            }
        }
        if (failed()) {
            return false;
        }
        checkpointer.take(List.of(positions), documents.sum());
        return true;
    }

    /** An empty batch for lines of {@code split}: a spare one if an indexer has given one back. */
    private Batch batchFor(Split split) {
        Batch batch = spare.poll();
        if (batch == null) {
            batch = new Batch(BATCH_BYTES + (BATCH_BYTES >> 3));
        }
        batch.reset(split);
        return batch;
    }

    /** One indexer: takes batches until the end marker; after a failure, keeps draining without indexing. */
    private void index() {
        while (true) {
            Batch batch;
            try {
                batch = queue.take();
            } catch (InterruptedException e) {
                fail(e);
                return;
            }
            if (batch == END) {
                return;
            }
            try {
                if (!failed()) {
                    indexLines(batch);
                }
            } catch (Throwable e) {
                fail(e);
            } finally {
                spare.offer(batch);
                if (inFlight.decrementAndGet() == 0) {
                    synchronized (drained) {
                        drained.notifyAll();
                    }
                }
            }
        }
    }

    private void indexLines(Batch batch) throws IOException {
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
            build.add(document);
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
        Throwable tragic = build.tragicException().orElse(null);
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
    private boolean enqueue(Batch batch) {
        if (failed()) {
            return false;
        }
        inFlight.incrementAndGet();
        try {
            queue.put(batch);
            return true;
        } catch (InterruptedException e) {
            inFlight.decrementAndGet();
            Thread.currentThread().interrupt();
            fail(e);
            return false;
        }
    }

    /** Indexers drain the queue until they see the end marker, so this always completes. */
    private void putUninterruptibly(Batch batch) {
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

    /**
     * Lines of one split, copied into one array: filled by the reader, read by one indexer, then
     * given back to be filled again ({@link #spare}).
     */
    private static final class Batch {
        // Sized for a full batch at once: growing from a small array would copy (and
        // allocate) each batch about twice over.
        private final int capacity;
        private byte[] data;
        private final int[] starts = new int[BATCH_LINES];
        private final int[] lengths = new int[BATCH_LINES];
        private final long[] lineNumbers = new long[BATCH_LINES];
        private final long[] offsets = new long[BATCH_LINES];
        private Split split;
        private int size;
        private int count;

        Batch(int capacity) {
            this.capacity = capacity;
            this.data = new byte[capacity];
        }

        void reset(Split split) {
            this.split = split;
            size = 0;
            count = 0;
            // A batch that grew for one very long line gives the memory back.
            if (data.length > capacity) {
                data = new byte[capacity];
            }
        }

        String location(int i) {
            return SplitReader.location(split, lineNumbers[i], offsets[i]);
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
    }
}
