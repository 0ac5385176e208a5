package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code metadata.lance}: the commit marker, and the only thing that decides what the committed
 * index holds. Derived from the plan alone ({@link #fromPlan}), so every finalizer writes the
 * same bytes; it never lists anything under {@code staging/}.
 */
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
        Map<String, FieldStats> fieldStats) {

    public static final String FORMAT = "ftindex";
    public static final int VERSION = 1;

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
                    partition.docCount(), partition.files()));
            for (FileEntry file : partition.files()) {
                files.add(new CommittedFile(partition.finalKey(file), file.size(), file.checksum()));
                bytes += file.size();
            }
            partition.fieldStats().forEach((field, stats) -> fieldStats.merge(field, stats, FieldStats::plus));
        }
        Totals totals = new Totals(partitions.size(), plan.docCount(), files.size(), bytes);
        return new IndexMetadata(FORMAT, VERSION, plan.indexId(), plan.luceneVersion(), plan.spec(),
                plan.specFingerprint(), totals, partitions, files, fieldStats);
    }

    public record Totals(int partitions, long docs, int files, long bytes) {}

    /** Final partition {@code n}, whose files are under {@code part_<n>/}. */
    public record CommittedPartition(int n, long partition, String attempt, long docCount, List<FileEntry> files) {
        public CommittedPartition {
            IndexLayout.checkPartitionNumber(n);
            IndexLayout.checkPartition(partition);
            IndexLayout.checkAttempt(attempt);
            files = List.copyOf(requireNonNull(files, "files is null"));
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
