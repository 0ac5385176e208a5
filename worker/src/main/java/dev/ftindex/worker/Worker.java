package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

import dev.ftindex.builder.DuplicateIds;
import dev.ftindex.builder.PartitionBuild;
import dev.ftindex.builder.PartitionStager;
import dev.ftindex.builder.StageStatus;
import dev.ftindex.builder.WorkDirectoryFullException;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.CheckpointRecord;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.RunStats;
import dev.ftindex.format.progress.Scope;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.worker.Assignment.Split;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.lucene.store.FSDirectory;

/**
 * One worker attempt: builds partition {@code pid} from its share of the input and stages it.
 *
 * <ol>
 *   <li>If {@code metadata.lance} exists, stop with a conflict: the index is committed.
 *   <li>If {@code staging/part_<pid>.json} exists, stop with success: the partition is staged.
 *   <li>Read the share, index it with several threads into a local directory, commit,
 *       force-merge, and verify every file's checksum.
 *   <li>Upload every file to {@code staging/part_<pid>/attempt_<aid>/} under a fresh attempt id.
 *   <li>Create the manifest {@code staging/part_<pid>.json}, create-only. If it exists, another
 *       attempt won: remove this attempt's files (best-effort) and succeed.
 * </ol>
 *
 * <p>Steps 3 to 5 are {@link PartitionBuild} and {@link PartitionStager}, which a Spark task uses
 * too. Atomic: the manifest's creation. What a failure can leave behind: files under this
 * attempt's own prefix, which no manifest references and which the finalizer's cleanup of
 * {@code staging/} removes after commit. Nothing under {@code staging/} is ever overwritten.
 * Bad input fails the run before anything is uploaded.
 */
public final class Worker {
    private static final System.Logger LOG = System.getLogger(Worker.class.getName());
    private static final int BAD_RECORD_EXAMPLES = 10;

    private final ObjectStore index;
    private final WorkerConfig config;
    private final Function<StoreLocation.S3, ObjectStore> inputStores;
    private final Progress progress;
    private final String attempt;
    private final PartitionBuild.WorkDirectories workDirectories;
    private final java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
    private RunStats.Clock clock;
    private final List<String> cleanupFailures = new ArrayList<>();

    /**
     * @param index the index root
     * @param inputStores opens stores for S3 inputs (owned by the caller)
     */
    public Worker(ObjectStore index, WorkerConfig config, Function<StoreLocation.S3, ObjectStore> inputStores, Progress progress) {
        this(index, config, inputStores, progress, FSDirectory::open);
    }

    Worker(ObjectStore index, WorkerConfig config, Function<StoreLocation.S3, ObjectStore> inputStores, Progress progress,
           PartitionBuild.WorkDirectories workDirectories) {
        this.workDirectories = requireNonNull(workDirectories, "workDirectories is null");
        this.index = requireNonNull(index, "index is null");
        this.config = requireNonNull(config, "config is null");
        this.inputStores = requireNonNull(inputStores, "inputStores is null");
        this.attempt = newAttemptId();
        // Every stage of this attempt says whose it is (progress lines of a local build's workers).
        this.progress = requireNonNull(progress, "progress is null").within(Scope.worker(config.partition(), attempt));
    }

    /** A fresh attempt id ({@link IndexLayout#newAttemptId()}). */
    static String newAttemptId() {
        return IndexLayout.newAttemptId();
    }

    public String attempt() {
        return attempt;
    }

    /**
     * Runs the protocol once, as attempt {@link #attempt()}.
     *
     * @throws IllegalStateException if this worker has run already: a second run would reuse the
     *     attempt id, and an attempt's files must come from one run only
     */
    public WorkerResult run() {
        if (!ran.compareAndSet(false, true)) {
            throw new IllegalStateException("a Worker runs once (attempt " + attempt + "); make a new one for another attempt");
        }
        clock = new RunStats.Clock(index.metrics());
        long partition = config.partition();
        String manifestKey = IndexLayout.manifestKey(partition);
        IndexRoot root = new IndexRoot(index);

        root.refuseIfCommitted("build into a new index root");
        Optional<PartitionManifest> staged = root.manifest(partition);
        if (staged.isPresent()) {
            LOG.log(Level.INFO, "partition " + partition + " is already staged by attempt " + staged.get().attempt() + "; nothing to do");
            // Checkpoints an attempt left after staging it are never resumed (the manifest is read
            // first) and go with the finalizer's cleanup: a retry of a staged partition stays two requests.
            return result(StageStatus.ALREADY_STAGED, staged.get(), null, null);
        }

        Inputs.Listing listing = Inputs.list(config.inputs(), inputStores);
        if (config.warnsOfRepeatedInputs()) {
            listing.repeats().forEach(repeat -> LOG.log(Level.WARNING, repeat.describe()));
        }
        List<InputFile> files = listing.files();
        int partitions = config.partitions().orElse(1);
        List<Split> share = config.partitions().isPresent()
                ? Assignment.share(files, (int) partition, partitions, config.splitRules())
                : Assignment.assign(files, 1, config.splitRules()).getFirst();
        String inputFingerprint = Assignment.fingerprint(files, partitions, config.splitRules());
        WorkerResult.Input input = new WorkerResult.Input(files.size(), share.size(),
                share.stream().mapToLong(Split::length).sum(), 0, inputFingerprint);

        BadRecords badRecords = new BadRecords(BAD_RECORD_EXAMPLES);
        PartitionStager stager = new PartitionStager(index, partition, attempt, config.uploadConcurrency(), progress, clock);
        CheckpointRecord.Settings settings = new CheckpointRecord.Settings(inputFingerprint, config.spec().fingerprint(),
                config.partitions().orElse(null), config.skipBadRecords());
        Checkpoints checkpoints = new Checkpoints(index, partition, attempt, settings, config.uploadConcurrency(), progress,
                config.checkpoints().forShare(input.bytes()).orElse(null), clock);
        List<Checkpoints.Resume> resumed = new ArrayList<>(1);
        try (PartitionBuild build = new PartitionBuild(config.spec(), config.ramBufferMb(), config.segments(), config.workDirectory(),
                partition, progress, workDirectories, directory -> {
                    checkpoints.resumeInto(directory).ifPresent(resumed::add);
                    return !resumed.isEmpty();
                })) {
            Optional<Checkpoints.Resume> resume = resumed.stream().findFirst();
            resume.ifPresent(from -> badRecords.resume(from.record().skippedRecords(), from.record().skippedExamples()));
            Built built;
            try {
                built = build(build, share, input, config.skipBadRecords() ? badRecords : null, badRecords, checkpoints, resume);
            } catch (RuntimeException e) {
                throw WorkDirectoryFullException.orElse(e, build.workDirectory().getParent());
            }
            PartitionStager.Provenance provenance = new PartitionStager.Provenance(config.spec(), config.partitions().orElse(null),
                    new PartitionManifest.InputDescription(String.join(" ", config.inputs()), inputFingerprint, files.size(), input.bytes(),
                            share.size(), share.stream().map(split -> split.file().name()).distinct().toList()), badRecords.count(), null,
                    config.base().orElse(null));
            PartitionStager.Outcome outcome = stager.stage(built.partition(), provenance);
            cleanupFailures.addAll(stager.cleanupFailures());
            // Staged: no attempt resumes this partition again.
            Checkpoints.removeAll(index, partition).ifPresent(cleanupFailures::add);
            long resumedDocs = resume.map(from -> from.record().docs()).orElse(0L);
            WorkerResult.Checkpoints checkpointing = new WorkerResult.Checkpoints(checkpoints.taken(),
                    resume.map(from -> new WorkerResult.Resumed(from.key(), from.record().attempt(), from.record().sequence(),
                            from.record().docs())).orElse(null),
                    built.partition().docs() - resumedDocs, checkpoints.ignored());
            return result(outcome.status(), outcome.winner(), badRecords, input.withBytesRead(built.bytesRead()), checkpointing);
        }
    }

    /** @param bytesRead what reading the share took from storage: whole text files, only the projected column chunks of Parquet */
    private record Built(PartitionBuild.Built partition, long bytesRead) {}

    /**
     * @param skipping where the pipeline puts bad records, or null to fail on the first
     * @param badRecords every bad record skipped, for the checkpoints
     */
    private Built build(PartitionBuild build, List<Split> share, WorkerResult.Input input, BadRecords skipping, BadRecords badRecords,
            Checkpoints checkpoints, Optional<Checkpoints.Resume> resume) {
        IndexSpec spec = config.spec();
        long resumedDocs = resume.map(from -> from.record().docs()).orElse(0L);
        IndexingPipeline.Checkpointer checkpointer = !checkpoints.enabled() ? null : new IndexingPipeline.Checkpointer() {
            @Override
            public boolean due() {
                return checkpoints.due();
            }

            @Override
            public void take(List<CheckpointRecord.SplitPosition> positions, long documents) throws IOException {
                checkpoints.take(build, resumedDocs + documents, badRecords, positions);
            }
        };
        long docs;
        long bytesRead;
        try (Stage reading = progress.stage("indexing", Unit.DOCS, -1, input.bytes())) {
            docs = resumedDocs + new IndexingPipeline(share, spec, build, config.threads(), skipping, reading,
                    resume.map(from -> from.record().positions()).orElse(null), checkpointer).run();
            // The flush of the last in-memory segments is part of indexing.
            build.flush();
            clock.stage("indexing", reading.elapsedSeconds());
            bytesRead = reading.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException("building the partition in " + build.workDirectory() + " failed: " + e.getMessage(), e);
        }
        PartitionBuild.Built built = build.finish(docs, clock);
        DuplicateIds.Found duplicates = built.duplicates();
        if (duplicates.any() && !config.allowDuplicateIds()) {
            try {
                throw new BadInputException(DuplicateIds.describe(config.partition(), duplicates,
                        DuplicateLocations.locate(share, spec, duplicates.examples())));
            } catch (IOException e) {
                throw new UncheckedIOException("reading the input again to find the duplicate ids failed: " + e.getMessage(), e);
            }
        }
        if (duplicates.any()) {
            LOG.log(Level.WARNING, "partition " + config.partition() + ": " + duplicates.ids() + " ids occur more than once ("
                    + duplicates.documents() + " records), kept as --allow-duplicate-ids asks; first: " + duplicates.examples());
        }
        return new Built(built, bytesRead);
    }

    private WorkerResult result(StageStatus status, PartitionManifest manifest, BadRecords badRecords, WorkerResult.Input input) {
        return result(status, manifest, badRecords, input, WorkerResult.Checkpoints.NONE);
    }

    private WorkerResult result(StageStatus status, PartitionManifest manifest, BadRecords badRecords, WorkerResult.Input input,
            WorkerResult.Checkpoints checkpoints) {
        WorkerResult.Skipped skipped = badRecords == null
                ? new WorkerResult.Skipped(manifest.skippedRecords(), List.of())
                : new WorkerResult.Skipped(badRecords.count(), badRecords.first());
        WorkerResult.Input described = input != null ? input
                : new WorkerResult.Input(manifest.input().files(), manifest.input().splits(), manifest.input().bytes(), 0,
                        manifest.input().fingerprint());
        WorkerResult.Duplicates duplicates = new WorkerResult.Duplicates(
                manifest.duplicateIds() == null ? 0 : manifest.duplicateIds(), config.allowDuplicateIds());
        WorkerResult.Staged staged = new WorkerResult.Staged(manifest.partition(), manifest.attempt(), manifest.docCount(), manifest.bytes(),
                manifest.files().size());
        return new WorkerResult(status, staged, skipped, duplicates, described, checkpoints, clock.finish(), cleanupFailures);
    }
}
