package dev.ftindex.builder;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.BaseIndex;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.RunStats;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.Tasks;
import dev.ftindex.objectstore.TransientStorageException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import org.apache.lucene.util.Version;

/**
 * Stages one attempt of one partition, the second half of the worker protocol (whoever built the
 * partition: {@link Worker}, a Spark task): upload every file under the attempt's own prefix,
 * create the manifest create-only (the first complete attempt wins; a loser removes its own
 * files), and after staging, check that no commit happened without this attempt.
 *
 * <p>Atomic: the manifest's creation. A failure leaves only files under this attempt's prefix.
 */
public final class PartitionStager {
    private static final System.Logger LOG = System.getLogger(PartitionStager.class.getName());

    private final ObjectStore index;
    private final long partition;
    private final String attempt;
    private final int uploadConcurrency;
    private final Progress progress;
    private final RunStats.Clock clock;
    private final List<String> cleanupFailures = new ArrayList<>();

    public PartitionStager(ObjectStore index, long partition, String attempt, int uploadConcurrency, Progress progress, RunStats.Clock clock) {
        this.index = requireNonNull(index, "index is null");
        this.partition = IndexLayout.checkPartition(partition);
        this.attempt = IndexLayout.checkAttempt(attempt);
        this.uploadConcurrency = uploadConcurrency;
        this.progress = requireNonNull(progress, "progress is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** How staging ended, and the manifest that won. */
    public record Outcome(StageStatus status, PartitionManifest winner) {}

    /**
     * What a manifest records of a partition beyond its files: how and from what it was built.
     *
     * @param expectedPartitions the partition count the builder was given, if any
     * @param skippedRecords bad records skipped
     * @param writeId the Spark write the partition belongs to; null for CLI workers
     * @param base the committed index the partition is appended to; null for a whole index
     * @param keepsDuplicateIdsOf the index committed with duplicate ids whose documents the partition
     *     carries (a compaction's base); null otherwise ({@link PartitionManifest#keepsDuplicateIdsOf})
     * @param deletedDocs deleted documents the partition carries (a compaction that kept a base
     *     partition as it was); null when none
     */
    public record Provenance(IndexSpec spec, Integer expectedPartitions, PartitionManifest.InputDescription input, long skippedRecords,
            String writeId, BaseIndex base, String keepsDuplicateIdsOf, Long deletedDocs) {
        public Provenance {
            requireNonNull(spec, "spec is null");
            requireNonNull(input, "input is null");
            base = base == null ? null : base.withoutStats();
        }

        public Provenance(IndexSpec spec, Integer expectedPartitions, PartitionManifest.InputDescription input, long skippedRecords,
                          String writeId, BaseIndex base) {
            this(spec, expectedPartitions, input, skippedRecords, writeId, base, null, null);
        }
    }

    /**
     * Uploads {@code built}'s files, creates its manifest, and checks the commit.
     *
     * @throws ConflictException if the index was committed without this partition while it ran
     */
    public Outcome stage(PartitionBuild.Built built, Provenance provenance) {
        PartitionManifest manifest = manifest(built, provenance);
        upload(built.files(), built.directory());
        PartitionManifest winner = createManifest(manifest);
        StageStatus status = winner.attempt().equals(attempt) ? StageStatus.STAGED : StageStatus.LOST_RACE;
        if (status == StageStatus.LOST_RACE) {
            LOG.log(Level.INFO, "attempt " + winner.attempt() + " staged partition " + partition + " first; removing this attempt's files");
            removeOwnFiles(null);
        } else {
            status = checkCommittedWithoutUs(new IndexRoot(index), status);
        }
        return new Outcome(status, winner);
    }

    /** Removes what this attempt staged, if it is not committed: its files, and its manifest if the manifest is its own. */
    public void withdraw(Throwable primary) {
        removeOwnFiles(primary);
        deleteOwnManifest(primary);
    }

    /** The one place a partition manifest is made: this attempt's files and statistics, the Lucene version, and the provenance. */
    private PartitionManifest manifest(PartitionBuild.Built built, Provenance provenance) {
        DuplicateIds.Found duplicates = built.duplicates();
        return new PartitionManifest(PartitionManifest.FORMAT, PartitionManifest.VERSION, partition, attempt, provenance.expectedPartitions(),
                built.docs(), Version.LATEST.toString(), provenance.spec(), provenance.spec().fingerprint(), provenance.input(), built.files(),
                built.fieldStats(), provenance.skippedRecords(), duplicates.any() ? duplicates.ids() : null, Instant.now().toString(),
                provenance.writeId(), provenance.base(), provenance.keepsDuplicateIdsOf(), provenance.deletedDocs());
    }

    /** Best-effort cleanups that failed, for the result. */
    public List<String> cleanupFailures() {
        return List.copyOf(cleanupFailures);
    }

    private void upload(List<FileEntry> files, Path directory) {
        long bytes = files.stream().mapToLong(FileEntry::size).sum();
        ExecutorService pool = Tasks.pool(uploadConcurrency, "upload");
        try (Stage uploading = progress.stage("uploading", Unit.FILES, files.size(), bytes)) {
            List<Callable<Void>> uploads = new ArrayList<>();
            for (FileEntry file : files) {
                uploads.add(() -> {
                    index.put(IndexLayout.stagedFileKey(partition, attempt, file.name()), Payload.of(directory.resolve(file.name())));
                    uploading.add(1, file.size());
                    return null;
                });
            }
            try {
                Tasks.runAll(pool, uploads);
            } catch (RuntimeException failure) {
                removeOwnFiles(failure);
                throw failure;
            }
            clock.stage("uploading", uploading.elapsedSeconds());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Creates the manifest. An ambiguous failure is resolved by reading the manifest back: the
     * attempt id in it says whether our write landed.
     *
     * @return the manifest that won: ours, or another attempt's
     */
    private PartitionManifest createManifest(PartitionManifest manifest) {
        String key = IndexLayout.manifestKey(partition);
        byte[] bytes = Json.writeChecksummed(manifest);
        try (Stage staging = progress.stage("staging", Unit.MANIFESTS, 1, bytes.length)) {
            // A manifest found and gone before it could be read: a finalizer committed and cleaned
            // up staging/ since. Write again; what the commit holds is checked after staging.
            StoredJson.Created<PartitionManifest> created = StoredJson.createOnly(index, key, manifest, bytes, true);
            if (created.outcome() == StoredJson.Outcome.CREATED) {
                staging.add(1, bytes.length);
                clock.stage("staging", staging.elapsedSeconds());
            }
            return created.stored().orElseThrow(() -> new TransientStorageException(index.location(), key,
                    "the manifest vanished after each of " + StoredJson.CREATE_ONLY.maxAttempts() + " create-only writes found it"
                            + " (is something deleting staging/?)", null));
        }
    }

    /**
     * An attempt that staged its partition while the index was being committed without it (a slow
     * or zombie attempt) must not report success for documents that are not in the index. If the
     * commit holds this partition from another attempt, this attempt merely lost a race; if it
     * does not hold the partition at all, that is a conflict. Either way this attempt's manifest
     * and files are garbage and are removed.
     */
    private StageStatus checkCommittedWithoutUs(IndexRoot root, StageStatus status) {
        Optional<IndexMetadata> committed = root.committedNow();
        if (committed.isEmpty()) {
            return status;
        }
        Optional<IndexMetadata.CommittedPartition> ours = committed.get().partitions().stream()
                .filter(p -> p.partition() == partition)
                .findFirst();
        if (ours.isPresent() && ours.get().attempt().equals(attempt)) {
            return status;
        }
        if (ours.isPresent()) {
            LOG.log(Level.INFO, "the index was committed with partition " + partition + " from attempt "
                    + ours.get().attempt() + "; removing this attempt's files");
            withdraw(null);
            return StageStatus.LOST_RACE;
        }
        ConflictException conflict = new ConflictException(index.location() + " was committed as index "
                + committed.get().indexId() + " while this worker ran, without partition " + partition
                + ": the documents of attempt " + attempt + " are not in the index; build into a new index root");
        withdraw(conflict);
        throw conflict;
    }

    /** Deletes the manifest if it is this attempt's (it may be another's, or gone). */
    private void deleteOwnManifest(Throwable primary) {
        String manifestKey = IndexLayout.manifestKey(partition);
        try {
            Optional<PartitionManifest> stored = StoredJson.readIfExists(index, manifestKey, PartitionManifest.class);
            if (stored.isPresent() && stored.get().attempt().equals(attempt)) {
                index.delete(manifestKey);
            }
        } catch (RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            } else {
                cleanupFailures.add("removing " + index.location() + manifestKey + ": " + e.getMessage());
            }
        }
    }

    /** Deletes this attempt's staged files, best-effort: a failure is attached or reported, never thrown. */
    private void removeOwnFiles(Throwable primary) {
        String prefix = IndexLayout.attemptPrefix(partition, attempt);
        try {
            List<String> keys = index.list(prefix).stream().map(ObjectInfo::key).toList();
            if (!keys.isEmpty()) {
                index.deleteAll(keys);
            }
        } catch (RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            } else {
                cleanupFailures.add("removing " + index.location() + prefix + ": " + e.getMessage());
                LOG.log(Level.WARNING, "could not remove this attempt's files under " + prefix + ": " + e.getMessage());
            }
        }
    }
}
