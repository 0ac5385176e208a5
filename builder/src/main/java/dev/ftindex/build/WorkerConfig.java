package dev.ftindex.build;

import static java.util.Objects.requireNonNull;

import dev.ftindex.build.Assignment.SplitRules;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What one worker does.
 *
 * @param spec how to index
 * @param inputs input arguments ({@link Inputs}); every worker of a build gets the same list
 * @param partition this worker's partition id
 * @param partitions the number of partitions, when the input is to be shared out
 *     ({@link Assignment}); empty means this worker indexes all of {@code inputs}
 * @param threads indexing threads
 * @param ramBufferMb Lucene's indexing buffer; a flush writes a segment when it is full
 * @param segments segments per partition after the force-merge
 * @param workDirectory where the local index is built (any filesystem); a fresh directory is
 *     made inside it and removed afterwards; empty means the system temp directory
 * @param uploadConcurrency files uploaded at once
 * @param skipBadRecords skip records that cannot be indexed (and report them) instead of failing
 * @param splitRules how uncompressed inputs are cut; must be the same for every worker
 */
public record WorkerConfig(
        IndexSpec spec,
        List<String> inputs,
        long partition,
        Optional<Integer> partitions,
        int threads,
        double ramBufferMb,
        int segments,
        Optional<Path> workDirectory,
        int uploadConcurrency,
        boolean skipBadRecords,
        SplitRules splitRules) {

    public WorkerConfig {
        requireNonNull(spec, "spec is null");
        inputs = List.copyOf(requireNonNull(inputs, "inputs is null"));
        IndexLayout.checkPartition(partition);
        requireNonNull(partitions, "partitions is null");
        requireNonNull(workDirectory, "workDirectory is null");
        requireNonNull(splitRules, "splitRules is null");
        partitions.ifPresent(count -> {
            if (count < 1) {
                throw new IllegalArgumentException("the partition count must be positive: " + count);
            }
            if (partition >= count) {
                throw new IllegalArgumentException("partition " + partition + " is outside 0.." + (count - 1)
                        + " for " + count + " partitions");
            }
        });
        if (threads < 1 || segments < 1 || uploadConcurrency < 1) {
            throw new IllegalArgumentException("threads, segments and upload concurrency must be positive");
        }
        if (!(ramBufferMb >= 1)) {
            throw new IllegalArgumentException("the RAM buffer must be at least 1 MB: " + ramBufferMb);
        }
    }

    public static WorkerConfig of(IndexSpec spec, List<String> inputs, long partition, Optional<Integer> partitions) {
        return new WorkerConfig(spec, inputs, partition, partitions, Runtime.getRuntime().availableProcessors(), 256, 1,
                Optional.empty(), 4, false, SplitRules.DEFAULT);
    }

    public WorkerConfig withThreads(int threads) {
        return new WorkerConfig(spec, inputs, partition, partitions, threads, ramBufferMb, segments, workDirectory,
                uploadConcurrency, skipBadRecords, splitRules);
    }

    public WorkerConfig withSkipBadRecords(boolean skip) {
        return new WorkerConfig(spec, inputs, partition, partitions, threads, ramBufferMb, segments, workDirectory,
                uploadConcurrency, skip, splitRules);
    }

    public WorkerConfig withSplitRules(SplitRules rules) {
        return new WorkerConfig(spec, inputs, partition, partitions, threads, ramBufferMb, segments, workDirectory,
                uploadConcurrency, skipBadRecords, rules);
    }

    public WorkerConfig withWorkDirectory(Path directory) {
        return new WorkerConfig(spec, inputs, partition, partitions, threads, ramBufferMb, segments, Optional.of(directory),
                uploadConcurrency, skipBadRecords, splitRules);
    }

    public WorkerConfig withIndexing(double ramBufferMb, int segments) {
        return new WorkerConfig(spec, inputs, partition, partitions, threads, ramBufferMb, segments, workDirectory,
                uploadConcurrency, skipBadRecords, splitRules);
    }

    public WorkerConfig withUploadConcurrency(int concurrency) {
        return new WorkerConfig(spec, inputs, partition, partitions, threads, ramBufferMb, segments, workDirectory,
                concurrency, skipBadRecords, splitRules);
    }
}
