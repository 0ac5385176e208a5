package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code staging/part_<pid>/checkpoints/attempt_<aid>/checkpoint_<seq>.json}: a worker's Lucene
 * commit, uploaded, and the exact point of its input that commit holds. Written create-only after
 * every file it names was uploaded: its existence is the checkpoint, so a crash part way leaves
 * files no record names, never a record that names missing files. A worker that starts on the
 * partition resumes from the newest record that matches its input, spec and settings and whose
 * files all verify; every other record is named in a warning and ignored.
 *
 * @param partition the worker's partition id
 * @param attempt the attempt that wrote this record
 * @param sequence 1 for the attempt's first checkpoint, one more each time
 * @param luceneVersion the Lucene version that wrote the files
 * @param settings what must match for a worker to resume from this record
 * @param docs documents the commit holds
 * @param skippedRecords bad records skipped up to this point, and the first of them
 * @param files every file of the commit, where it is stored (under any attempt's checkpoint
 *     prefix of this partition: a resumed attempt names its predecessor's unchanged files)
 * @param positions where each split of the worker's share stands, in share order
 * @param createdAt when it was written (ISO-8601)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckpointRecord(
        String format,
        int formatVersion,
        long partition,
        String attempt,
        int sequence,
        String luceneVersion,
        Settings settings,
        long docs,
        long skippedRecords,
        List<String> skippedExamples,
        List<StoredFile> files,
        List<SplitPosition> positions,
        String createdAt) {

    public static final String FORMAT = "ftindex-checkpoint";
    public static final int VERSION = 1;

    public CheckpointRecord {
        Versions.check(FORMAT, VERSION, format, formatVersion);
        IndexLayout.checkPartition(partition);
        IndexLayout.checkAttempt(attempt);
        requireNonNull(luceneVersion, "luceneVersion is null");
        requireNonNull(settings, "settings is null");
        requireNonNull(createdAt, "createdAt is null");
        skippedExamples = skippedExamples == null ? List.of() : List.copyOf(skippedExamples);
        files = List.copyOf(requireNonNull(files, "files is null"));
        positions = List.copyOf(requireNonNull(positions, "positions is null"));
        if (docs < 0 || skippedRecords < 0 || sequence < 1) {
            throw new IllegalArgumentException("negative count or sequence in a checkpoint record");
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("a checkpoint has at least a segments file");
        }
        for (StoredFile file : files) {
            IndexLayout.checkCheckpointFileKey(partition, file.key());
        }
    }

    /**
     * What a resuming worker must share with the one that wrote the record: the same input (files,
     * sizes, split rules and partition count: the fingerprint), the same spec, and the same rule
     * for bad records.
     */
    public record Settings(String inputFingerprint, String specFingerprint, Integer partitions, boolean skipBadRecords) {
        public Settings {
            requireNonNull(inputFingerprint, "inputFingerprint is null");
            requireNonNull(specFingerprint, "specFingerprint is null");
        }
    }

    /** A file of the commit and the key it is stored under. */
    public record StoredFile(String key, FileEntry file) {
        public StoredFile {
            requireNonNull(key, "key is null");
            requireNonNull(file, "file is null");
        }
    }

    /**
     * Where one split of the share stands.
     *
     * @param done every record of the split is in the commit
     * @param nextOffset for a text split not done: the offset (in the split's text, decompressed
     *     where it is compressed) of the first line the commit does not hold
     * @param rowGroupsDone for a Parquet split: the row groups (their index in the file) the commit holds
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SplitPosition(boolean done, Long nextOffset, List<Integer> rowGroupsDone) {
        public static final SplitPosition UNTOUCHED = new SplitPosition(false, null, null);
        public static final SplitPosition DONE = new SplitPosition(true, null, null);

        public SplitPosition {
            if (nextOffset != null && nextOffset < 0) {
                throw new IllegalArgumentException("negative offset: " + nextOffset);
            }
            rowGroupsDone = rowGroupsDone == null ? null : List.copyOf(rowGroupsDone);
        }
    }
}
