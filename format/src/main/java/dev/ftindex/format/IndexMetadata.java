package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code metadata.lance}: the commit marker, and the only thing that decides what the committed
 * index holds. Derived from the plan alone ({@link #fromPlan}), so every finalizer writes the
 * same bytes; it never lists anything under {@code staging/}.
 *
 * <p>Format version 1 is a whole index. Version 2 adds {@code base}: the index was appended to a
 * committed base, whose partitions come first, copied unchanged ({@code basePartition} names each
 * one's number in the base), and the duplicate ids kept with {@code --allow-duplicate-ids}
 * ({@code crossDuplicateIds}, each partition's {@code duplicateIds}). Writers use version 1
 * whenever there is neither, so such an index reads with every ftindex.
 *
 * @param base the committed index this one was appended to, absent for a whole index
 * @param crossDuplicateIds ids of the new partitions that occur in another partition too (for an
 *     append: in the base or in another new partition), kept with {@code --allow-duplicate-ids};
 *     absent when none. With the partitions' own {@code duplicateIds}, an index that records either
 *     is format 2.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IndexMetadata(
        String format,
        int formatVersion,
        String indexId,
        String luceneVersion,
        IndexSpec spec,
        String specFingerprint,
        Totals totals,
        List<CommittedPartition> partitions,
        List<CommittedFile> files,
        Map<String, FieldStats> fieldStats,
        BaseIndex base,
        Long crossDuplicateIds) {

    public static final String FORMAT = "ftindex";
    public static final int VERSION = 2;
    /** The version of a whole index (no base): readable by every ftindex. */
    static final int WHOLE_INDEX_VERSION = 1;

    public IndexMetadata {
        Versions.check(FORMAT, VERSION, format, formatVersion);
        IndexLayout.checkIndexId(indexId);
        requireNonNull(luceneVersion, "luceneVersion is null");
        requireNonNull(spec, "spec is null");
        requireNonNull(specFingerprint, "specFingerprint is null");
        requireNonNull(totals, "totals is null");
        partitions = List.copyOf(requireNonNull(partitions, "partitions is null"));
        files = List.copyOf(requireNonNull(files, "files is null"));
        fieldStats = fieldStats == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(fieldStats));
        for (int i = 0; i < partitions.size(); i++) {
            if (partitions.get(i).n() != i) {
                throw new IllegalArgumentException("partitions must be numbered densely from 0: found n = "
                        + partitions.get(i).n() + " at position " + i);
            }
        }
        if ((base != null || crossDuplicateIds != null) && formatVersion < 2) {
            throw new IllegalArgumentException("an appended index is ftindex format 2 or later, not " + formatVersion);
        }
        if (formatVersion < 2 && partitions.stream().anyMatch(partition -> partition.deletedDocs() != null)) {
            throw new IllegalArgumentException("an index with deleted documents is ftindex format 2 or later, not " + formatVersion);
        }
        if (formatVersion < 2 && partitions.stream().anyMatch(partition -> partition.duplicateIds() != null)) {
            throw new IllegalArgumentException("an index that records duplicate ids is ftindex format 2 or later, not " + formatVersion);
        }
        for (CommittedFile file : files) {
            if (file.key().startsWith(IndexLayout.STAGING)) {
                throw new IllegalArgumentException("a committed file cannot be under staging/: " + file.key());
            }
        }
    }

    public static IndexMetadata fromPlan(FinalizePlan plan) {
        List<CommittedPartition> partitions = new ArrayList<>();
        List<CommittedFile> files = new ArrayList<>();
        Map<String, FieldStats> fieldStats = new TreeMap<>();
        long bytes = 0;
        for (FinalizePlan.PlannedPartition partition : plan.partitions()) {
            partitions.add(new CommittedPartition(partition.n(), partition.partition(), partition.attempt(),
                    partition.docCount(), partition.files(), partition.basePartition(), partition.duplicateIds(), partition.deletedDocs()));
            for (FileEntry file : partition.files()) {
                files.add(new CommittedFile(partition.finalKey(file), file.size(), file.checksum()));
                bytes += file.size();
            }
            partition.fieldStats().forEach((field, stats) -> fieldStats.merge(field, stats, FieldStats::plus));
        }
        if (plan.base() != null) {
            plan.base().fieldStats().forEach((field, stats) -> fieldStats.merge(field, stats, FieldStats::plus));
        }
        Totals totals = new Totals(partitions.size(), plan.docCount(), files.size(), bytes);
        boolean whole = plan.base() == null && plan.crossDuplicateIds() == null
                && plan.partitions().stream().allMatch(partition -> partition.duplicateIds() == null && partition.deletedDocs() == null);
        return new IndexMetadata(FORMAT, whole ? WHOLE_INDEX_VERSION : VERSION, plan.indexId(), plan.luceneVersion(), plan.spec(),
                plan.specFingerprint(), totals, partitions, files, fieldStats, plan.base(), plan.crossDuplicateIds());
    }

    /** Documents deleted by updates, summed over the partitions (counted in {@code totals.docs} and in the statistics). */
    public long deletedDocs() {
        return partitions.stream().mapToLong(partition -> partition.deletedDocs() == null ? 0 : partition.deletedDocs()).sum();
    }

    /** Ids that occur more than once inside a partition, summed over the partitions. */
    public long duplicateIdsWithinPartitions() {
        return partitions.stream().mapToLong(partition -> partition.duplicateIds() == null ? 0 : partition.duplicateIds()).sum();
    }

    /** A whole index's metadata (no base). */
    public IndexMetadata(String format, int formatVersion, String indexId, String luceneVersion, IndexSpec spec, String specFingerprint,
                         Totals totals, List<CommittedPartition> partitions, List<CommittedFile> files, Map<String, FieldStats> fieldStats) {
        this(format, formatVersion, indexId, luceneVersion, spec, specFingerprint, totals, partitions, files, fieldStats, null, null);
    }

    public record Totals(int partitions, long docs, int files, long bytes) {}

    /**
     * Final partition {@code n}, whose files are under {@code part_<n>/}: built as {@code partition}
     * by {@code attempt}, here or (when {@code basePartition} is set) in the base, where it was
     * partition {@code basePartition}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CommittedPartition(int n, long partition, String attempt, long docCount, List<FileEntry> files, Integer basePartition,
                                     Long duplicateIds, Long deletedDocs) {
        public CommittedPartition {
            IndexLayout.checkPartitionNumber(n);
            IndexLayout.checkPartition(partition);
            IndexLayout.checkAttempt(attempt);
            files = List.copyOf(requireNonNull(files, "files is null"));
        }

        public CommittedPartition(int n, long partition, String attempt, long docCount, List<FileEntry> files) {
            this(n, partition, attempt, docCount, files, null, null, null);
        }

        /** Documents not deleted: what the partition holds for readers. */
        public long liveDocs() {
            return docCount - (deletedDocs == null ? 0 : deletedDocs);
        }

        public String key(FileEntry file) {
            return IndexLayout.finalFileKey(n, file.name());
        }
    }

    /** A committed file by its key under the index root. */
    public record CommittedFile(String key, long size, long checksum) {
        public CommittedFile {
            IndexLayout.checkFinalFileKey(key);
        }
    }
}
