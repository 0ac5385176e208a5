package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code staging/part_<pid>.json}: the record that one worker attempt staged partition
 * {@code pid} completely. Written create-only, after every file it lists was uploaded, so its
 * existence means "this partition is staged" and the first complete attempt wins.
 *
 * @param partition the worker's partition id
 * @param attempt the attempt whose files under {@code staging/part_<pid>/attempt_<aid>/} these are
 * @param expectedPartitions the partition count the worker was told, if any
 * @param docCount documents in the partition
 * @param luceneVersion the Lucene version that wrote the files
 * @param spec the (normalized) index spec the partition was built with
 * @param specFingerprint {@link IndexSpec#fingerprint()} of {@code spec}
 * @param input what the worker read
 * @param files every file of the partition, with size and footer checksum
 * @param fieldStats term statistics per indexed field
 * @param skippedRecords bad records skipped with {@code --skip-bad-records}
 * @param duplicateIds ids that occur more than once, kept with {@code --allow-duplicate-ids};
 *     absent when the check found none
 * @param createdAt when the manifest was written (ISO-8601), for people
 * @param writeId the write this partition belongs to (a Spark write's id), absent for CLI
 *     workers; a finalizer told to commit one write refuses partitions of another
 * @param base the committed index this partition is appended to ({@code --base}), absent for a
 *     build of a whole index; a finalizer commits only partitions of one base, with that base
 * @param keepsDuplicateIdsOf the index whose documents this partition carries unchanged (a
 *     compaction's base) when that index was committed with ids in more than one partition
 *     ({@code --allow-duplicate-ids}): a finalizer of partitions that all say so commits those
 *     duplicates as that index did; absent otherwise
 * @param deletedDocs documents of {@code docCount} that are deleted (live docs): a partition a
 *     compaction kept as the base had it, deletions included ({@code --expunge-deletes-above});
 *     absent when none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PartitionManifest(
        String format,
        int formatVersion,
        long partition,
        String attempt,
        Integer expectedPartitions,
        long docCount,
        String luceneVersion,
        IndexSpec spec,
        String specFingerprint,
        InputDescription input,
        List<FileEntry> files,
        Map<String, FieldStats> fieldStats,
        long skippedRecords,
        Long duplicateIds,
        String createdAt,
        String writeId,
        BaseIndex base,
        String keepsDuplicateIdsOf,
        Long deletedDocs) {

    public static final String FORMAT = "ftindex-partition-manifest";
    public static final int VERSION = 1;

    public PartitionManifest {
        Versions.check(FORMAT, VERSION, format, formatVersion);
        IndexLayout.checkPartition(partition);
        IndexLayout.checkAttempt(attempt);
        requireNonNull(luceneVersion, "luceneVersion is null");
        requireNonNull(spec, "spec is null");
        requireNonNull(specFingerprint, "specFingerprint is null");
        requireNonNull(input, "input is null");
        files = List.copyOf(requireNonNull(files, "files is null"));
        fieldStats = fieldStats == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(fieldStats));
        if (docCount < 0 || skippedRecords < 0 || (duplicateIds != null && duplicateIds < 0)) {
            throw new IllegalArgumentException("negative document count");
        }
        if (expectedPartitions != null && expectedPartitions < 1) {
            throw new IllegalArgumentException("expectedPartitions must be positive: " + expectedPartitions);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("a partition has at least a segments file");
        }
        if (writeId != null) {
            IndexLayout.checkAttempt(writeId);
        }
        if (keepsDuplicateIdsOf != null) {
            IndexLayout.checkIndexId(keepsDuplicateIdsOf);
        }
        if (deletedDocs != null && (deletedDocs < 1 || deletedDocs > docCount)) {
            throw new IllegalArgumentException("deletedDocs is 1 to the document count or absent: " + deletedDocs);
        }
    }

    /** A partition that keeps no other index's duplicates. */
    public PartitionManifest(String format, int formatVersion, long partition, String attempt, Integer expectedPartitions, long docCount,
                             String luceneVersion, IndexSpec spec, String specFingerprint, InputDescription input, List<FileEntry> files,
                             Map<String, FieldStats> fieldStats, long skippedRecords, Long duplicateIds, String createdAt, String writeId,
                             BaseIndex base) {
        this(format, formatVersion, partition, attempt, expectedPartitions, docCount, luceneVersion, spec, specFingerprint, input, files,
                fieldStats, skippedRecords, duplicateIds, createdAt, writeId, base, null, null);
    }

    /** A partition of a whole index (no base). */
    public PartitionManifest(String format, int formatVersion, long partition, String attempt, Integer expectedPartitions, long docCount,
                             String luceneVersion, IndexSpec spec, String specFingerprint, InputDescription input, List<FileEntry> files,
                             Map<String, FieldStats> fieldStats, long skippedRecords, Long duplicateIds, String createdAt, String writeId) {
        this(format, formatVersion, partition, attempt, expectedPartitions, docCount, luceneVersion, spec, specFingerprint, input, files,
                fieldStats, skippedRecords, duplicateIds, createdAt, writeId, null, null, null);
    }

    /** "base index 3f2a…" or "no base", to compare and name the manifests' bases. */
    public String baseDescription() {
        return base == null ? "no base (a whole index)" : "base " + base.describe();
    }

    public long bytes() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }

    /**
     * What a worker read: the inputs as given, and a fingerprint of the listed files, their sizes
     * and the split rules, which every worker of one build must share.
     *
     * @param files files the inputs listed (all workers')
     * @param bytes bytes of this partition's share
     * @param splits splits of this partition's share
     * @param read the files this partition's share came from, the first {@value #READ_NAMES} of
     *     them, so that a finalizer can say where a duplicate id was read; absent where a worker
     *     reads no files (Spark) or was built before ftindex recorded them
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InputDescription(String description, String fingerprint, int files, long bytes, int splits, List<String> read) {
        public static final int READ_NAMES = 16;

        public InputDescription {
            requireNonNull(description, "description is null");
            requireNonNull(fingerprint, "fingerprint is null");
            read = read == null ? null : List.copyOf(read.subList(0, Math.min(READ_NAMES, read.size())));
        }

        public InputDescription(String description, String fingerprint, int files, long bytes, int splits) {
            this(description, fingerprint, files, bytes, splits, null);
        }
    }
}
