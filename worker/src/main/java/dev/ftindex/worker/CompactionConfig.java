package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.IndexLayout;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A compaction worker's settings.
 *
 * @param partition this worker's group, from 0: the partition it stages
 * @param partitions the groups (partitions of the new index), at most the base's partitions
 * @param segments segments of the merged partition (1: fastest to search)
 * @param workDirectory where the base's files and the merged partition are kept while it runs
 * @param uploadConcurrency parallel downloads and uploads
 * @param expungeDeletesAbove with it, every group is one base partition ({@code partitions} is the
 *     base's count), merged (its deleted documents expunged) only if more than this share of its
 *     documents is deleted, else staged as the base has it
 */
public record CompactionConfig(long partition, int partitions, int segments, Optional<Path> workDirectory, int uploadConcurrency,
                               Optional<Double> expungeDeletesAbove) {
    public CompactionConfig {
        requireNonNull(expungeDeletesAbove, "expungeDeletesAbove is null");
        expungeDeletesAbove.ifPresent(share -> {
            if (!(share >= 0 && share < 1)) {
                throw new IllegalArgumentException("--expunge-deletes-above is a share of a partition's documents, 0 to below 1: " + share);
            }
        });
        IndexLayout.checkPartition(partition);
        requireNonNull(workDirectory, "workDirectory is null");
        if (partitions < 1) {
            throw new IllegalArgumentException("the partition count must be positive: " + partitions);
        }
        if (partition >= partitions) {
            throw new IllegalArgumentException("partition " + partition + " is not one of 0.." + (partitions - 1));
        }
        if (segments < 1) {
            throw new IllegalArgumentException("segments must be positive: " + segments);
        }
        if (uploadConcurrency < 1) {
            throw new IllegalArgumentException("the upload concurrency must be positive: " + uploadConcurrency);
        }
    }

    public CompactionConfig(long partition, int partitions, int segments, Optional<Path> workDirectory, int uploadConcurrency) {
        this(partition, partitions, segments, workDirectory, uploadConcurrency, Optional.empty());
    }

    public static CompactionConfig of(long partition, int partitions) {
        return new CompactionConfig(partition, partitions, 1, Optional.empty(), 8, Optional.empty());
    }
}
