package dev.ftindex.build;

import dev.ftindex.build.Assignment.Split;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.progress.Stage;
import dev.ftindex.storage.StorageException;
import dev.ftindex.storage.TransientStorageException;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexWriter;

/**
 * Reads a worker's share on one thread and indexes it on several: the reader cuts lines into
 * batches, the indexers parse, map and add them to one {@link IndexWriter} (which gives each
 * thread its own in-memory segment). The first failure stops everyone and is the one reported.
 */
final class IndexingPipeline {
    private static final int BATCH_LINES = 512;
    private static final int BATCH_BYTES = 1 << 20;
    private static final Batch END = new Batch(null, new byte[0], new int[0], new int[0], new long[0], new long[0], 0);

    private final List<Split> share;
    private final DocumentMapper mapper;
    private final IndexWriter writer;
    private final int threads;
    private final BadRecords badRecords;
    private final Stage stage;
    private final BlockingQueue<Batch> queue;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final LongAdder documents = new LongAdder();

    /**
     * @param badRecords where skipped records go, or null to fail on the first bad record
     */
    IndexingPipeline(List<Split> share, DocumentMapper mapper, IndexWriter writer, int threads, BadRecords badRecords, Stage stage) {
        this.share = share;
        this.mapper = mapper;
        this.writer = writer;
        this.threads = threads;
        this.badRecords = badRecords;
        this.stage = stage;
        this.queue = new ArrayBlockingQueue<>(threads * 2);
    }

    /** Indexes the whole share and returns the number of documents added. */
    long run() throws IOException {
        List<Thread> indexers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread thread = new Thread(this::index, "indexer-" + i);
            thread.setDaemon(true);
            thread.start();
            indexers.add(thread);
        }
        try {
            for (Split split : share) {
                if (failure.get() != null) {
                    break;
                }
                read(split);
            }
        } catch (Throwable e) {
            fail(e);
        } finally {
            for (int i = 0; i < threads; i++) {
                enqueue(END);
            }
            for (Thread thread : indexers) {
                joinUninterruptibly(thread);
            }
        }
        Throwable error = failure.get();
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

    private void read(Split split) throws IOException {
        InputFile file = split.file();
        long openAt = split.start() == 0 ? 0 : split.start() - 1;
        long end = file.compressed() ? Long.MAX_VALUE : split.end();
        try (InputStream raw = new ExactLengthStream(file.openFrom(openAt), file.size() - openAt, file.name(), stage);
             InputStream in = file.compressed() ? new GZIPInputStream(raw, 1 << 16) : raw) {
            LineReader lines = new LineReader(in, file.compressed() ? 0 : split.start(), end);
            BatchBuilder batch = new BatchBuilder(split);
            while (lines.next()) {
                batch.add(lines.buffer(), lines.lineStart(), lines.lineLength(), lines.lineNumber(), lines.lineOffset());
                if (batch.full()) {
                    if (!enqueue(batch.build())) {
                        return;
                    }
                    batch = new BatchBuilder(split);
                }
            }
            if (batch.count > 0) {
                enqueue(batch.build());
            }
        } catch (ZipException | EOFException e) {
            throw new BadInputException(file.name() + ": truncated or corrupt gzip data: " + e.getMessage()
                    + " (a damaged file cannot be skipped: replace it or remove it from the input)", e);
        } catch (LineReader.LineTooLongException e) {
            throw new BadInputException(file.name() + " at byte " + e.offset + ": " + e.getMessage() + " (is this JSONL?)", e);
        }
    }

    private void index() {
        try {
            while (true) {
                Batch batch = queue.poll(100, TimeUnit.MILLISECONDS);
                if (batch == END || (batch == null && failure.get() != null)) {
                    return;
                }
                if (batch == null) {
                    continue;
                }
                if (failure.get() != null) {
                    continue;
                }
                int added = 0;
                for (int i = 0; i < batch.count; i++) {
                    Document document;
                    try {
                        document = mapper.map(batch.data, batch.starts[i], batch.lengths[i]);
                    } catch (BadRecordException e) {
                        String where = batch.location(i) + ": " + e.getMessage();
                        if (badRecords == null) {
                            fail(new BadInputException(where + " (use --skip-bad-records to skip such records and report them)"));
                            return;
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
        } catch (Throwable e) {
            fail(e);
        }
    }

    private void fail(Throwable e) {
        if (!failure.compareAndSet(null, e) && failure.get() != e) {
            failure.get().addSuppressed(e);
        }
    }

    /** Puts a batch on the queue; gives up (false) once the pipeline has failed. */
    private boolean enqueue(Batch batch) {
        try {
            while (!queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                if (failure.get() != null) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
            return false;
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lines of one split, copied into one array. */
    private record Batch(Split split, byte[] data, int[] starts, int[] lengths, long[] lineNumbers, long[] offsets, int count) {
        /** "name:line" where line numbers are exact, "name at byte N" inside a split file. */
        String location(int i) {
            return split.fromStart() ? split.file().name() + ":" + lineNumbers[i] : split.file().name() + " at byte " + offsets[i];
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

        Batch build() {
            return new Batch(split, data, starts, lengths, lineNumbers, offsets, count);
        }
    }

    /**
     * Reads exactly the bytes the file had when it was listed: stops there even if the file has
     * grown, and fails if the stream ends early (a dropped connection must not look like the end
     * of the input, which would silently lose its last records).
     */
    private static final class ExactLengthStream extends FilterInputStream {
        private final String name;
        private final Stage stage;
        private final long expected;
        private long remaining;

        ExactLengthStream(InputStream in, long length, String name, Stage stage) {
            super(in);
            this.expected = length;
            this.remaining = length;
            this.name = name;
            this.stage = stage;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n;
            try {
                n = in.read(buffer, offset, (int) Math.min(length, remaining));
            } catch (IOException e) {
                if (e.getCause() instanceof StorageException storage) {
                    throw storage;
                }
                throw e;
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (n < 0) {
                // Unchecked, so that it passes through the gzip stream unchanged and is not
                // mistaken for a truncated gzip file.
                throw new TransientStorageException(name, null, "the input ended after " + (expected - remaining) + " of "
                        + expected + " bytes (connection lost, or the file shrank while it was read)", null);
            }
            remaining -= n;
            stage.add(0, n);
            return n;
        }
    }
}
