package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * @param expectedPartitions how many partitions must be staged; empty means the count the
 *     manifests state, or, when none states one, whatever is staged
 * @param concurrency copies and verifications in flight at once
 */
public record FinalizerConfig(Optional<Integer> expectedPartitions, int concurrency) {
    public FinalizerConfig {
        requireNonNull(expectedPartitions, "expectedPartitions is null");
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
        return new FinalizerConfig(Optional.empty(), 16);
    }

    public FinalizerConfig withExpectedPartitions(Integer count) {
        return new FinalizerConfig(Optional.ofNullable(count), concurrency);
    }

    public FinalizerConfig withConcurrency(int concurrency) {
        return new FinalizerConfig(expectedPartitions, concurrency);
    }
}
