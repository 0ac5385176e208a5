package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * @param expectedPartitions how many partitions must be staged; empty means the count the
 *     manifests state, or, when none states one, whatever is staged
 * @param concurrency copies and verifications in flight at once
 * @param expectedWriteId the write whose partitions this finalize commits (a Spark write's id);
 *     a partition of any other write is a conflict. Empty for CLI builds.
 * @param allowDuplicateIds for an append: commit new partitions whose ids the base or another new
 *     partition holds too (both are indexed, and counted in the commit) instead of failing
 */
public record FinalizerConfig(Optional<Integer> expectedPartitions, int concurrency, Optional<String> expectedWriteId,
                              boolean allowDuplicateIds) {
    public FinalizerConfig {
        requireNonNull(expectedPartitions, "expectedPartitions is null");
        requireNonNull(expectedWriteId, "expectedWriteId is null");
        expectedPartitions.ifPresent(count -> {
            if (count < 1) {
                throw new IllegalArgumentException("the expected partition count must be positive: " + count);
            }
        });
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be positive: " + concurrency);
        }
    }

    public static FinalizerConfig defaults() {
        return new FinalizerConfig(Optional.empty(), 16, Optional.empty(), false);
    }

    public FinalizerConfig withExpectedPartitions(Integer count) {
        return new FinalizerConfig(Optional.ofNullable(count), concurrency, expectedWriteId, allowDuplicateIds);
    }

    public FinalizerConfig withConcurrency(int concurrency) {
        return new FinalizerConfig(expectedPartitions, concurrency, expectedWriteId, allowDuplicateIds);
    }

    public FinalizerConfig withExpectedWriteId(String writeId) {
        return new FinalizerConfig(expectedPartitions, concurrency, Optional.ofNullable(writeId), allowDuplicateIds);
    }

    public FinalizerConfig withAllowDuplicateIds(boolean allow) {
        return new FinalizerConfig(expectedPartitions, concurrency, expectedWriteId, allow);
    }
}
