package dev.ftindex.spark;

import dev.ftindex.builder.DuplicateIds;
import dev.ftindex.builder.PartitionBuild;
import dev.ftindex.builder.PartitionStager;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.RunStats;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.apache.lucene.document.Document;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * One Spark task attempt building one partition: the rows are mapped to Lucene documents on the
 * task's thread and indexed by {@code threads} threads of its own into a {@link PartitionBuild} in the
 * executor's local directory; {@link #commit}, which Spark's commit coordinator allows one
 * attempt per partition, stages it through {@link PartitionStager} under an attempt id unique to
 * this write, partition and task attempt. A retried or speculative attempt can never mix bytes
 * with another: each uploads under its own prefix, and the manifest's create-only write lets the
 * first complete one win; a loser removes its own files. {@link #abort} withdraws what this
 * attempt staged.
 */
final class PartitionWriter implements DataWriter<InternalRow> {
    private static final System.Logger LOG = System.getLogger(PartitionWriter.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int BATCH = 256;
    private static final int BAD_RECORD_EXAMPLES = 10;

    private final WriteOptions options;
    private final RowMapping mapping;
    private final WriteHooks hooks;
    private final String writeId;
    private final int partitions;
    private final int partition;
    private final int attemptNumber;
    private final String attempt;
    private final IndexSpec spec;
    private final ObjectStore root;
    private final RunStats.Clock clock;
    private final PartitionBuild build;
    private final PartitionStager stager;
    private final ExecutorService indexers;
    private final Semaphore inFlight;
    private final List<Future<?>> pending = new ArrayList<>();
    private final List<String> badExamples = new ArrayList<>();
    private List<Document> batch = new ArrayList<>(BATCH);
    private long rows;
    private long docs;
    private long bytes;
    private long skipped;

    PartitionWriter(WriteOptions options, RowMapping mapping, String writeId, int partitions, int partition, long taskId, WriteHooks hooks) {
        this.options = options;
        this.mapping = mapping;
        this.writeId = writeId;
        this.partitions = partitions;
        this.partition = partition;
        this.hooks = hooks;
        TaskContext task = TaskContext.get();
        this.attemptNumber = task == null ? 0 : task.attemptNumber();
        byte[] random = new byte[2];
        RANDOM.nextBytes(random);
        this.attempt = WriteClaim.attemptPrefix(writeId) + "-p" + partition + "-t" + taskId + "-" + HexFormat.of().formatHex(random);
        this.spec = options.spec();
        this.root = options.openRoot();
        try {
            if (new IndexRoot(root).isCommitted()) {
                throw new ConflictException(root.location() + " was committed while this write ran: its partitions are not in it");
            }
            this.clock = new RunStats.Clock(root.metrics());
            this.build = new PartitionBuild(spec, options.ramBufferMb(), options.segments(), workBase(), partition, Progress.silent());
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
        this.stager = new PartitionStager(root, partition, attempt, options.uploadConcurrency(), Progress.silent(), clock);
        // Even one indexing thread is a thread of its own, as in build-partition's pipeline: the
        // task's thread reads the shuffle and maps rows while Lucene indexes the previous batch.
        this.indexers = Tasks.pool(options.threads(), "ftindex-index-p" + partition);
        this.inFlight = new Semaphore(options.threads() * 2);
    }

    /** The executor's local directories (as Spark picks them), else the option workDir, else the temp directory. */
    private Optional<Path> workBase() {
        if (options.workDir().isPresent()) {
            return options.workDir().map(Path::of);
        }
        String local = System.getenv("SPARK_LOCAL_DIRS");
        if ((local == null || local.isBlank()) && SparkEnv.get() != null) {
            local = SparkEnv.get().conf().get("spark.local.dir", "");
        }
        return local == null || local.isBlank() ? Optional.empty() : Optional.of(Path.of(local.split(",")[0].strip()));
    }

    @Override
    public void write(InternalRow row) throws IOException {
        rows++;
        hooks.afterRow(partition, attemptNumber, rows);
        Document document;
        try {
            document = mapping.document(row);
        } catch (BadRecordException e) {
            String id = mapping.id(row);
            String where = "partition " + partition + ", row " + rows + (id == null ? "" : " (id " + id + ")");
            if (!options.skipBadRecords()) {
                throw new BadInputException(where + ": " + e.getMessage() + " (set the option skipBadRecords to true to skip such rows)");
            }
            skipped++;
            if (badExamples.size() < BAD_RECORD_EXAMPLES) {
                badExamples.add(where + ": " + e.getMessage());
            }
            return;
        }
        docs++;
        bytes += row instanceof UnsafeRow unsafe ? unsafe.getSizeInBytes() : 0;
        batch.add(document);
        if (batch.size() >= BATCH) {
            index();
        }
    }

    /** Hands the batch to the indexers; at most two batches a thread wait, so memory stays bounded. */
    private void index() throws IOException {
        List<Document> documents = batch;
        batch = new ArrayList<>(BATCH);
        if (documents.isEmpty()) {
            return;
        }
        inFlight.acquireUninterruptibly();
        pending.removeIf(Future::isDone);
        pending.add(indexers.submit(() -> {
            try {
                build.add(documents);
                return null;
            } finally {
                inFlight.release();
            }
        }));
    }

    private void awaitIndexers() throws IOException {
        for (Future<?> future : pending) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while indexing partition " + partition, e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
        pending.clear();
    }

    @Override
    public WriterCommitMessage commit() throws IOException {
        index();
        awaitIndexers();
        build.flush();
        PartitionBuild.Built built = build.finish(docs, clock);
        DuplicateIds.Found duplicates = built.duplicates();
        if (duplicates.any() && !options.allowDuplicateIds()) {
            throw new BadInputException(DuplicateIds.describe(partition, duplicates, Map.of(), "set the option allowDuplicateIds to true"));
        }
        if (skipped > 0) {
            LOG.log(Level.WARNING, "partition " + partition + ": skipped " + skipped + " bad rows; first: " + badExamples);
        }
        PartitionStager.Provenance provenance = new PartitionStager.Provenance(spec, partitions,
                new PartitionManifest.InputDescription("spark write " + writeId, "spark:" + writeId, 0, bytes, 0), skipped, writeId,
                options.baseIndex().orElse(null));
        PartitionStager.Outcome staged;
        try {
            staged = stager.stage(built, provenance);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        hooks.afterStaged(partition, attemptNumber);
        LOG.log(Level.INFO, "partition " + partition + " " + staged.status().json() + " by attempt " + staged.winner().attempt() + ": "
                + staged.winner().docCount() + " documents");
        return new CommitMessage(partition, attempt, staged.status(), staged.winner().attempt(), staged.winner().docCount(),
                staged.winner().bytes());
    }

    @Override
    public void abort() {
        if (hooks.loseAbort(partition, attemptNumber)) {
            LOG.log(Level.WARNING, "attempt " + attempt + " vanishes without cleaning up, as a lost executor would");
            return;
        }
        stager.withdraw(null);
        stager.cleanupFailures().forEach(failure -> LOG.log(Level.WARNING, "abort of attempt " + attempt + ": " + failure));
    }

    @Override
    public CustomTaskMetric[] currentMetricsValues() {
        return Metrics.values(docs, bytes);
    }

    @Override
    public void close() {
        try {
            indexers.shutdownNow();
            build.close();
        } finally {
            root.close();
        }
    }
}
