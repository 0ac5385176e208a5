package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

import dev.ftindex.builder.PartitionBuild;
import dev.ftindex.format.CheckpointRecord;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.FormatException;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.Json;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.RunStats;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.CorruptObjectException;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.Tasks;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.stream.Stream;
import org.apache.lucene.util.Version;

/**
 * A worker's checkpoints of one partition: taking them while it indexes, and resuming from the
 * newest one that holds up (docs/PROTOCOL.md, "Checkpoints").
 *
 * <p>Taking one: commit the Lucene index locally, upload every file of the commit not uploaded
 * before (under this attempt's checkpoint prefix; Lucene never writes a file name twice), then
 * create the record create-only: the record is the checkpoint's commit point. Its files stay until
 * the partition is staged (this worker removes them then, and the finalizer's cleanup removes all
 * of {@code staging/}): a worker that fails leaves them for its retry.
 *
 * <p>Resuming: the records of every attempt of the partition, newest first; one is used only if it
 * reads as a whole document, was made for the same input, spec and settings, and every file it
 * names downloads with its size and a full CRC32 matching the record. Every record passed over is
 * named in a warning with the reason, and in the result: never a silent restart, never a resume
 * from bytes that did not verify.
 */
final class Checkpoints {
    private static final System.Logger LOG = System.getLogger(Checkpoints.class.getName());

    private final ObjectStore index;
    private final long partition;
    private final String attempt;
    private final CheckpointRecord.Settings settings;
    private final int uploadConcurrency;
    private final Progress progress;
    private final Duration interval;
    private final RunStats.Clock clock;
    /** Files of the current commit already stored, by name: uploaded by this attempt, or by the one resumed from. */
    private final Map<String, CheckpointRecord.StoredFile> stored = new LinkedHashMap<>();
    private final List<String> ignored = new ArrayList<>();
    /** Documents the newest checkpoint holds (this attempt's, or the one resumed from). */
    private long checkpointedDocs;
    private int sequence;
    private int taken;
    private long next;

    /**
     * @param interval time between checkpoints while indexing; null: none are taken (resuming still is)
     */
    Checkpoints(ObjectStore index, long partition, String attempt, CheckpointRecord.Settings settings, int uploadConcurrency,
            Progress progress, Duration interval, RunStats.Clock clock) {
        this.index = requireNonNull(index, "index is null");
        this.partition = IndexLayout.checkPartition(partition);
        this.attempt = IndexLayout.checkAttempt(attempt);
        this.settings = requireNonNull(settings, "settings is null");
        this.uploadConcurrency = uploadConcurrency;
        this.progress = requireNonNull(progress, "progress is null");
        this.interval = interval;
        this.clock = requireNonNull(clock, "clock is null");
        this.next = interval == null ? Long.MAX_VALUE : System.nanoTime() + interval.toNanos();
    }

    /** What a worker resumed from: the record, and the files it put in the work directory. */
    record Resume(String key, CheckpointRecord record) {}

    /** Records passed over while resuming, each with its reason. */
    List<String> ignored() {
        return List.copyOf(ignored);
    }

    /** Checkpoints this attempt took. */
    int taken() {
        return taken;
    }

    boolean enabled() {
        return interval != null;
    }

    /** Whether the interval has passed since the last checkpoint (or the start). */
    boolean due() {
        return System.nanoTime() >= next;
    }

    /**
     * Fills {@code directory} from the newest checkpoint that verifies, and returns it; empty, with
     * every record passed over in {@link #ignored()}, when there is none.
     */
    Optional<Resume> resumeInto(Path directory) throws IOException {
        List<String> keys = new ArrayList<>();
        for (ObjectInfo object : index.list(IndexLayout.checkpointsPrefix(partition))) {
            if (IndexLayout.checkpointRecord(object.key()).isPresent()) {
                keys.add(object.key());
            }
        }
        List<Map.Entry<String, CheckpointRecord>> records = new ArrayList<>();
        for (String key : keys) {
            try {
                records.add(Map.entry(key, StoredJson.read(index, key, CheckpointRecord.class)));
            } catch (CorruptObjectException e) {
                pass(key, "unreadable (" + e.getMessage() + ")");
            } catch (ObjectNotFoundException e) {
                // removed since it was listed (another attempt staged the partition): not a checkpoint any more
            }
        }
        records.sort(Comparator.comparing((Map.Entry<String, CheckpointRecord> e) -> e.getValue().docs())
                .thenComparing(e -> e.getValue().createdAt()).reversed());
        for (Map.Entry<String, CheckpointRecord> entry : records) {
            String key = entry.getKey();
            CheckpointRecord record = entry.getValue();
            if (record.partition() != partition) {
                pass(key, "it is a checkpoint of partition " + record.partition());
                continue;
            }
            if (!record.settings().equals(settings)) {
                pass(key, "it was made for other input, spec or settings (" + differences(record.settings()) + ")");
                continue;
            }
            if (!record.luceneVersion().equals(Version.LATEST.toString())) {
                pass(key, "it was written by Lucene " + record.luceneVersion() + ", this is " + Version.LATEST);
                continue;
            }
            emptyDirectory(directory);
            long started = System.nanoTime();
            Optional<String> problem = download(record, directory);
            clock.add("resuming", (System.nanoTime() - started) / 1e9);
            if (problem.isPresent()) {
                pass(key, problem.get());
                emptyDirectory(directory);
                continue;
            }
            for (CheckpointRecord.StoredFile file : record.files()) {
                stored.put(file.file().name(), file);
            }
            checkpointedDocs = record.docs();
            LOG.log(Level.INFO, "partition " + partition + ": resuming from " + key + " (" + record.docs() + " documents)");
            return Optional.of(new Resume(key, record));
        }
        return Optional.empty();
    }

    private void pass(String key, String reason) {
        String line = index.location() + key + ": " + reason + "; not resumed from";
        ignored.add(line);
        LOG.log(Level.WARNING, "checkpoint " + line);
    }

    private String differences(CheckpointRecord.Settings theirs) {
        List<String> differences = new ArrayList<>();
        if (!theirs.inputFingerprint().equals(settings.inputFingerprint())) {
            differences.add("input " + theirs.inputFingerprint() + ", now " + settings.inputFingerprint());
        }
        if (!theirs.specFingerprint().equals(settings.specFingerprint())) {
            differences.add("spec " + theirs.specFingerprint() + ", now " + settings.specFingerprint());
        }
        if (!Objects.equals(theirs.partitions(), settings.partitions())) {
            differences.add("partitions " + theirs.partitions() + ", now " + settings.partitions());
        }
        if (theirs.skipBadRecords() != settings.skipBadRecords()) {
            differences.add("skipBadRecords " + theirs.skipBadRecords() + ", now " + settings.skipBadRecords());
        }
        return String.join("; ", differences);
    }

    /** Every file of {@code record} into {@code directory}, each checked in full as it arrives; the first problem, if any. */
    private Optional<String> download(CheckpointRecord record, Path directory) throws IOException {
        long bytes = record.files().stream().mapToLong(file -> file.file().size()).sum();
        try (Stage stage = progress.stage("resuming", Unit.FILES, record.files().size(), bytes)) {
            for (CheckpointRecord.StoredFile file : record.files()) {
                Optional<String> problem = LuceneFiles.download(index, file.key(), file.file(), directory.resolve(file.file().name()), stage,
                        "the checkpoint record");
                if (problem.isPresent()) {
                    return problem;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Takes a checkpoint: commits, uploads the commit's new files, creates the record. Nothing is
     * written when no document was indexed since the last one (a worker stalled on its input, or
     * one whose first checkpoint falls before its first document): such a record would save nothing.
     *
     * @param documents documents the commit holds
     * @param bad the bad records skipped so far (with those of the checkpoint resumed from)
     * @param positions where each split stands
     */
    void take(PartitionBuild build, long documents, BadRecords bad, List<CheckpointRecord.SplitPosition> positions)
            throws IOException {
        if (documents == checkpointedDocs) {
            next = System.nanoTime() + interval.toNanos();
            return;
        }
        long started = System.nanoTime();
        List<String> names = build.commit();
        Path directory = build.workDirectory();
        List<CheckpointRecord.StoredFile> files = new ArrayList<>();
        List<Callable<Void>> uploads = new ArrayList<>();
        long bytes = 0;
        for (String name : names) {
            CheckpointRecord.StoredFile known = stored.get(name);
            if (known != null && known.file().size() == Files.size(directory.resolve(name))) {
                files.add(known);
                continue;
            }
            LuceneFiles.Verified verified;
            try (InputStream in = Files.newInputStream(directory.resolve(name))) {
                verified = LuceneFiles.verify(in);
            } catch (FormatException e) {
                throw new IOException(directory.resolve(name) + " does not verify before its checkpoint upload: " + e.getMessage(), e);
            }
            FileEntry entry = new FileEntry(name, verified.size(), verified.checksum());
            String key = IndexLayout.checkpointFileKey(partition, attempt, name);
            CheckpointRecord.StoredFile file = new CheckpointRecord.StoredFile(key, entry);
            files.add(file);
            bytes += entry.size();
            uploads.add(() -> {
                index.put(key, Payload.of(directory.resolve(name)));
                return null;
            });
        }
        ExecutorService pool = Tasks.pool(uploadConcurrency, "checkpoint");
        try (Stage stage = progress.stage("checkpointing", Unit.FILES, uploads.size(), bytes)) {
            Tasks.runAll(pool, uploads);
            stage.add(uploads.size(), bytes);
        } finally {
            pool.shutdownNow();
        }
        stored.clear();
        files.forEach(file -> stored.put(file.file().name(), file));
        CheckpointRecord record = new CheckpointRecord(CheckpointRecord.FORMAT, CheckpointRecord.VERSION, partition, attempt, ++sequence,
                Version.LATEST.toString(), settings, documents, bad == null ? 0 : bad.count(), bad == null ? List.of() : bad.first(), files,
                positions, Instant.now().toString());
        String key = IndexLayout.checkpointRecordKey(partition, attempt, sequence);
        StoredJson.createOnly(index, key, record, Json.writeChecksummed(record), false);
        taken++;
        clock.add("checkpointing", (System.nanoTime() - started) / 1e9);
        checkpointedDocs = documents;
        next = System.nanoTime() + interval.toNanos();
        LOG.log(Level.INFO, "partition " + partition + ": checkpoint " + sequence + " at " + documents + " documents ("
                + uploads.size() + " new files)");
    }

    /**
     * After the partition is staged, its checkpoints (of every attempt) serve nobody: removed,
     * best effort; a failure is returned for the result, never thrown.
     */
    static Optional<String> removeAll(ObjectStore index, long partition) {
        try {
            List<String> keys = index.list(IndexLayout.checkpointsPrefix(partition)).stream().map(ObjectInfo::key).toList();
            if (!keys.isEmpty()) {
                index.deleteAll(keys);
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of("removing the checkpoints of partition " + partition + ": " + e.getMessage());
        }
    }

    private static void emptyDirectory(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
