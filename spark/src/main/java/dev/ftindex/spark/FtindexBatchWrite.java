package dev.ftindex.spark;

import dev.ftindex.finalizer.BaseUpdate;
import dev.ftindex.finalizer.FinalizeResult;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.PartitionsMissingException;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.worker.DeleteList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * The driver's side of a write: claims the root before the tasks run, commits with the
 * finalizer when every task has staged its partition, and on abort removes only what is safe.
 *
 * <p>What abort may remove depends on how far the commit got ({@link Outcome}): before the
 * commit, or after it failed in a way that leaves nothing committed (a conflict, missing
 * partitions, corrupt data, checked once more against {@code metadata.lance}), this write's
 * uncommitted objects; after a commit, or when its outcome is unknown (a storage failure while
 * committing: {@code metadata.lance} may or may not exist), nothing at all. Removing staging
 * whose commit may have landed could delete the files of a committed index (Iceberg's issue
 * 4686 is that mistake).
 */
final class FtindexBatchWrite implements BatchWrite {
    private static final System.Logger LOG = System.getLogger(FtindexBatchWrite.class.getName());

    private final WriteOptions options;
    private final RowMapping mapping;
    private final String writeId;
    private final boolean replace;
    private final WriteHooks hooks;
    private volatile Outcome outcome = Outcome.NOT_STARTED;

    /** How far the commit got, which decides what an abort may remove. */
    enum Outcome {
        NOT_STARTED, COMMITTED,
        /** Failed, and nothing is committed: safe to clean up. */
        FAILED,
        /** Failed in a way that may have committed: never clean up; look with {@code ftindex status}. */
        UNKNOWN
    }

    FtindexBatchWrite(WriteOptions options, RowMapping mapping, String writeId, boolean replace, WriteHooks hooks) {
        this.options = options;
        this.mapping = mapping;
        this.writeId = writeId;
        this.replace = replace;
        this.hooks = hooks;
    }

    @Override
    public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
        try (ObjectStore root = options.openRoot()) {
            WriteClaim.claim(root, writeId, replace, "spark write of " + info.numPartitions() + " partitions");
        }
        LOG.log(Level.INFO, "write " + writeId + ": building " + info.numPartitions() + " partitions into " + options.root());
        return new PartitionWriterFactory(options, mapping, writeId, info.numPartitions(), hooks);
    }

    @Override
    public boolean useCommitCoordinator() {
        // One attempt per partition is allowed to stage; the manifest's create-only write still
        // decides if a zombie staged first.
        return true;
    }

    @Override
    public void commit(WriterCommitMessage[] messages) {
        try {
            hooks.beforeCommit();
        } catch (RuntimeException e) {
            // A driver lost here: whether a commit ran is unknown to whoever cleans up.
            outcome = Outcome.UNKNOWN;
            throw e;
        }
        if (messages.length == 0) {
            outcome = Outcome.FAILED;
            throw new IllegalArgumentException("the DataFrame has no partitions: there is nothing to index");
        }
        try (WriteOptions.Roots roots = options.openRoots(); Update update = update()) {
            ObjectStore root = roots.root();
            try {
                FinalizeResult result = new Finalizer(root, roots.base(), update.update(), FinalizerConfig.defaults()
                        .withExpectedPartitions(messages.length).withExpectedWriteId(writeId).withConcurrency(options.finalizeConcurrency())
                        .withAllowDuplicateIds(options.allowDuplicateIds()), logged()).run();
                outcome = Outcome.COMMITTED;
                checkCommitted(root, messages);
                LOG.log(Level.INFO, String.format(java.util.Locale.ROOT, "write %s: %s index %s at %s: %d partitions, %d documents (%.1f s)",
                        writeId, result.status().json(), result.indexId(), options.root(), result.index().partitions(), result.docs(),
                        result.run().seconds()));
            } catch (ConflictException | PartitionsMissingException | CorruptIndexException | BadInputException e) {
                outcome = outcome == Outcome.COMMITTED || new IndexRoot(root).isCommitted() ? Outcome.COMMITTED : Outcome.FAILED;
                throw e;
            } catch (RuntimeException e) {
                if (outcome != Outcome.COMMITTED) {
                    outcome = Outcome.UNKNOWN;
                }
                throw e;
            }
        }
    }

    /** The update the options ask for, its delete list read (sorted on the driver's disk); closing removes what it wrote. */
    private record Update(BaseUpdate update, Optional<Path> work, List<ObjectStore> opened) implements AutoCloseable {
        @Override
        public void close() {
            opened.forEach(ObjectStore::close);
            work.ifPresent(FtindexBatchWrite::deleteRecursively);
        }
    }

    private Update update() {
        if (options.delete() == null) {
            return new Update(new BaseUpdate(options.upsert(), Optional.empty(), false), Optional.empty(), List.of());
        }
        List<ObjectStore> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        Path work;
        try {
            work = Files.createTempDirectory("ftindex-deletes-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory for the option delete: " + e.getMessage(), e);
        }
        DeleteList.Sorted sorted = DeleteList.read(options.delete(), work, location -> {
            ObjectStore store = ObjectStores.open(location, options.s3Settings(), System.getenv());
            opened.add(store);
            return store;
        });
        LOG.log(Level.INFO, String.format(java.util.Locale.ROOT, "write %s: delete list %s: %,d ids (%,d lines, %,d blank, %,d repeated)",
                writeId, sorted.source(), sorted.ids(), sorted.lines(), sorted.blank(), sorted.repeated()));
        return new Update(new BaseUpdate(options.upsert(), Optional.of(new BaseUpdate.DeleteIds(sorted.list().getParent(), sorted.file(),
                sorted.fingerprint(), sorted.source())), options.strictDeletes()), Optional.of(work), opened);
    }

    private static void deleteRecursively(Path directory) {
        try (var paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove " + directory + ": " + e.getMessage());
        }
    }

    /** The commit must hold exactly the partitions the tasks reported, from the attempts that won. */
    private static void checkCommitted(ObjectStore root, WriterCommitMessage[] messages) {
        IndexMetadata metadata = StoredJson.read(root, IndexLayout.METADATA, IndexMetadata.class);
        Map<Long, String> committed = metadata.partitions().stream().filter(partition -> partition.basePartition() == null)
                .collect(Collectors.toMap(IndexMetadata.CommittedPartition::partition, IndexMetadata.CommittedPartition::attempt));
        for (CommitMessage message : Arrays.stream(messages).map(CommitMessage.class::cast)
                .sorted(Comparator.comparingLong(CommitMessage::partition)).toList()) {
            if (!message.winner().equals(committed.get(message.partition()))) {
                throw new ConflictException(root.location() + " was committed with partition " + message.partition() + " from attempt "
                        + committed.get(message.partition()) + ", but this write's task reported attempt " + message.winner());
            }
        }
    }

    @Override
    public void abort(WriterCommitMessage[] messages) {
        switch (outcome) {
            case COMMITTED -> LOG.log(Level.WARNING, "write " + writeId + " aborted after its commit: nothing is removed");
            case UNKNOWN -> LOG.log(Level.WARNING, "write " + writeId + " aborted while its commit's outcome is unknown: nothing is"
                    + " removed; see `ftindex status --index " + options.root() + "`, then run `ftindex finalize` on it, or rerun the"
                    + " write with mode(\"overwrite\")");
            case NOT_STARTED, FAILED -> {
                try (ObjectStore root = options.openRoot()) {
                    WriteClaim.release(root, writeId);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "write " + writeId + " aborted; removing its staging failed (rerun with mode(\"overwrite\")"
                            + " to replace it): " + e.getMessage());
                }
            }
        }
    }

    /** The finalizer's stages, logged on the driver as they start and end. */
    private Progress logged() {
        return Progress.silent().listen(new Progress.Listener() {
            @Override
            public void stageStarted(Stage stage) {
                LOG.log(Level.INFO, "write " + writeId + ": finalize " + stage.name()
                        + (stage.totalItems() >= 0 ? " (" + stage.totalItems() + " " + stage.unit().json() + ")" : ""));
            }

            @Override
            public void stageFinished(Stage stage) {
                LOG.log(Level.INFO, String.format(java.util.Locale.ROOT, "write %s: finalize %s done: %d %s in %.2f s", writeId, stage.name(),
                        stage.items(), stage.unit().json(), stage.elapsedSeconds()));
            }
        });
    }
}
