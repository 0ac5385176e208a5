package dev.ftindex.cli;

import dev.ftindex.format.IndexSpec;
import dev.ftindex.worker.Assignment.SplitRules;
import dev.ftindex.worker.WorkerConfig;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How a partition is indexed: a mixin of build-partition and build. */
final class IndexingOptions {
    @ArgGroup(validate = false, heading = "%nIndexing:%n", order = 50)
    Group group = new Group();

    @Mixin
    PartitionOptions partition;

    static final class Group {
        @Option(names = "--spec", paramLabel = "FILE", description = "the index spec (JSON): id field, typed fields, analyzers, BM25"
                + " parameters (default: id, and title and contents as text)")
        Path spec;

        @Option(names = "--ram-buffer-mb", paramLabel = "MB", description = "Lucene's indexing buffer of the process (build's workers"
                + " share it); a full buffer is flushed as a segment (default 256)")
        Double ramBufferMb;

        @Option(names = "--skip-bad-records", description = "skip records that cannot be indexed and report how many and where,"
                + " instead of failing with exit code 3")
        boolean skipBadRecords;

        @Option(names = "--allow-duplicate-ids", description = "index every record of an id that occurs more than once in a partition"
                + " (and count them) instead of failing with exit code 3 naming them")
        boolean allowDuplicateIds;

        @Option(names = "--min-split-mb", paramLabel = "MB", description = "smallest byte range an uncompressed input is cut into"
                + " (default 8; every worker of a build must use the same)")
        double minSplitMb = SplitRules.DEFAULT.minSplitBytes() >> 20;

        @Option(names = "--max-split-mb", paramLabel = "MB", description = "largest byte range (default 256; same for every worker)")
        double maxSplitMb = SplitRules.DEFAULT.maxSplitBytes() >> 20;
    }

    /** The spec file's spec, or the default spec. */
    IndexSpec spec() {
        return Optional.ofNullable(group.spec).map(IndexSpec::read).orElseGet(IndexSpec::defaultSpec);
    }

    boolean allowDuplicateIds() {
        return group.allowDuplicateIds;
    }

    boolean specGiven() {
        return group.spec != null;
    }

    Optional<Path> workDirectory() {
        return partition.workDirectory();
    }

    /** The RAM buffer of the whole process: the one given, else 256 MB (what the launcher sizes the heap for). */
    double ramBufferMb() {
        return group.ramBufferMb == null ? DEFAULT_RAM_BUFFER_MB : group.ramBufferMb;
    }

    static final double DEFAULT_RAM_BUFFER_MB = 256;

    /** These options on top of what the verb decided (spec, inputs, partition, threads, the buffer of this worker). */
    WorkerConfig config(WorkerConfig.Builder builder, double ramBufferMb) {
        try {
            return builder
                    .ramBufferMb(ramBufferMb)
                    .segments(partition.segments())
                    .workDirectory(workDirectory())
                    .uploadConcurrency(partition.uploadConcurrency())
                    .skipBadRecords(group.skipBadRecords)
                    .allowDuplicateIds(group.allowDuplicateIds)
                    .splitRules(splitRules())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private SplitRules splitRules() {
        long min = (long) (group.minSplitMb * (1 << 20));
        long max = (long) (group.maxSplitMb * (1 << 20));
        try {
            return new SplitRules(Math.max(1, min), Math.max(1, max));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--min-split-mb and --max-split-mb: " + e.getMessage());
        }
    }
}
