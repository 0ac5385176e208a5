package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.BaseIndex;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.worker.Assignment.SplitRules;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What one worker does. Built with {@link #builder}; every value is checked when built.
 *
 * <ul>
 *   <li>{@code spec}: how to index;
 *   <li>{@code inputs}: input arguments ({@link Inputs}); every worker of a build gets the same list;
 *   <li>{@code partition}: this worker's partition id;
 *   <li>{@code partitions}: the number of partitions, when the input is to be shared out
 *       ({@link Assignment}); empty means this worker indexes all of {@code inputs};
 *   <li>{@code threads}: indexing threads;
 *   <li>{@code ramBufferMb}: Lucene's indexing buffer; a flush writes a segment when it is full;
 *   <li>{@code segments}: segments per partition after the force-merge;
 *   <li>{@code workDirectory}: where the local index is built (any filesystem); a fresh directory
 *       is made inside it and removed afterwards; empty means the system temp directory;
 *   <li>{@code uploadConcurrency}: files uploaded at once;
 *   <li>{@code skipBadRecords}: skip records that cannot be indexed (and report them) instead of failing;
 *   <li>{@code allowDuplicateIds}: keep every record of an id that occurs more than once
 *       (Lucene's {@code addDocument} semantics) instead of failing;
 *   <li>{@code splitRules}: how uncompressed inputs are cut; must be the same for every worker;
 *   <li>{@code base}: the committed index this partition is appended to ({@code --base}), whose
 *       spec {@code spec} must be; empty for a whole index;
 *   <li>{@code warnsOfRepeatedInputs}: log inputs that look given twice ({@link Inputs.Repeat}) at
 *       the start; a local build lets one of its workers say it, not each of them.
 * </ul>
 */
public final class WorkerConfig {
    private final IndexSpec spec;
    private final List<String> inputs;
    private final long partition;
    private final Optional<Integer> partitions;
    private final int threads;
    private final double ramBufferMb;
    private final int segments;
    private final Optional<Path> workDirectory;
    private final int uploadConcurrency;
    private final boolean skipBadRecords;
    private final boolean allowDuplicateIds;
    private final SplitRules splitRules;
    private final CheckpointInterval checkpoints;
    private final Optional<BaseIndex> base;
    private final boolean warnsOfRepeatedInputs;

    private WorkerConfig(Builder b) {
        this.spec = requireNonNull(b.spec, "spec is null");
        this.inputs = List.copyOf(requireNonNull(b.inputs, "inputs is null"));
        this.partition = IndexLayout.checkPartition(b.partition);
        this.partitions = requireNonNull(b.partitions, "partitions is null");
        this.threads = b.threads;
        this.ramBufferMb = b.ramBufferMb;
        this.segments = b.segments;
        this.workDirectory = requireNonNull(b.workDirectory, "workDirectory is null");
        this.uploadConcurrency = b.uploadConcurrency;
        this.skipBadRecords = b.skipBadRecords;
        this.allowDuplicateIds = b.allowDuplicateIds;
        this.splitRules = requireNonNull(b.splitRules, "splitRules is null");
        this.checkpoints = requireNonNull(b.checkpoints, "checkpoints is null");
        this.base = requireNonNull(b.base, "base is null");
        this.warnsOfRepeatedInputs = b.warnsOfRepeatedInputs;
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

    /** A builder with the defaults: a thread per processor, 256 MB buffer, one segment, four uploads at once. */
    public static Builder builder(IndexSpec spec, List<String> inputs, long partition) {
        return new Builder(spec, inputs, partition);
    }

    public static WorkerConfig of(IndexSpec spec, List<String> inputs, long partition, Optional<Integer> partitions) {
        return builder(spec, inputs, partition).partitions(partitions).build();
    }

    public Builder toBuilder() {
        return new Builder(spec, inputs, partition)
                .partitions(partitions)
                .threads(threads)
                .ramBufferMb(ramBufferMb)
                .segments(segments)
                .workDirectory(workDirectory)
                .uploadConcurrency(uploadConcurrency)
                .skipBadRecords(skipBadRecords)
                .allowDuplicateIds(allowDuplicateIds)
                .splitRules(splitRules)
                .checkpoints(checkpoints)
                .base(base)
                .warnsOfRepeatedInputs(warnsOfRepeatedInputs);
    }

    /** This worker appending to {@code base}: the caller has checked that the spec is the base's ({@link dev.ftindex.format.AppendBase#requireSpec}). */
    public WorkerConfig withBase(BaseIndex base) {
        return toBuilder().base(Optional.of(base)).build();
    }

    public Optional<BaseIndex> base() {
        return base;
    }

    public WorkerConfig withCheckpoints(CheckpointInterval interval) {
        return toBuilder().checkpoints(interval).build();
    }

    /** How often this worker checkpoints ({@link CheckpointInterval#AUTO} by default). */
    public CheckpointInterval checkpoints() {
        return checkpoints;
    }

    public WorkerConfig withThreads(int threads) {
        return toBuilder().threads(threads).build();
    }

    public WorkerConfig withSkipBadRecords(boolean skip) {
        return toBuilder().skipBadRecords(skip).build();
    }

    public WorkerConfig withAllowDuplicateIds(boolean allow) {
        return toBuilder().allowDuplicateIds(allow).build();
    }

    public WorkerConfig withSplitRules(SplitRules rules) {
        return toBuilder().splitRules(rules).build();
    }

    public WorkerConfig withWorkDirectory(Path directory) {
        return toBuilder().workDirectory(Optional.of(directory)).build();
    }

    public WorkerConfig withIndexing(double ramBufferMb, int segments) {
        return toBuilder().ramBufferMb(ramBufferMb).segments(segments).build();
    }

    public WorkerConfig withUploadConcurrency(int concurrency) {
        return toBuilder().uploadConcurrency(concurrency).build();
    }

    public IndexSpec spec() {
        return spec;
    }

    public List<String> inputs() {
        return inputs;
    }

    public long partition() {
        return partition;
    }

    public Optional<Integer> partitions() {
        return partitions;
    }

    public int threads() {
        return threads;
    }

    public double ramBufferMb() {
        return ramBufferMb;
    }

    public int segments() {
        return segments;
    }

    public Optional<Path> workDirectory() {
        return workDirectory;
    }

    public int uploadConcurrency() {
        return uploadConcurrency;
    }

    public boolean skipBadRecords() {
        return skipBadRecords;
    }

    public boolean allowDuplicateIds() {
        return allowDuplicateIds;
    }

    public SplitRules splitRules() {
        return splitRules;
    }

    public boolean warnsOfRepeatedInputs() {
        return warnsOfRepeatedInputs;
    }

    /** Collects a worker's settings; {@link #build} checks them. */
    public static final class Builder {
        private final IndexSpec spec;
        private final List<String> inputs;
        private final long partition;
        private Optional<Integer> partitions = Optional.empty();
        private int threads = Runtime.getRuntime().availableProcessors();
        private double ramBufferMb = 256;
        private int segments = 1;
        private Optional<Path> workDirectory = Optional.empty();
        private int uploadConcurrency = 4;
        private boolean skipBadRecords;
        private boolean allowDuplicateIds;
        private SplitRules splitRules = SplitRules.DEFAULT;
        private CheckpointInterval checkpoints = CheckpointInterval.AUTO;
        private Optional<BaseIndex> base = Optional.empty();
        private boolean warnsOfRepeatedInputs = true;

        private Builder(IndexSpec spec, List<String> inputs, long partition) {
            this.spec = spec;
            this.inputs = inputs;
            this.partition = partition;
        }

        public Builder partitions(Optional<Integer> partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder ramBufferMb(double ramBufferMb) {
            this.ramBufferMb = ramBufferMb;
            return this;
        }

        public Builder segments(int segments) {
            this.segments = segments;
            return this;
        }

        public Builder workDirectory(Optional<Path> workDirectory) {
            this.workDirectory = workDirectory;
            return this;
        }

        public Builder uploadConcurrency(int uploadConcurrency) {
            this.uploadConcurrency = uploadConcurrency;
            return this;
        }

        public Builder skipBadRecords(boolean skipBadRecords) {
            this.skipBadRecords = skipBadRecords;
            return this;
        }

        public Builder allowDuplicateIds(boolean allowDuplicateIds) {
            this.allowDuplicateIds = allowDuplicateIds;
            return this;
        }

        public Builder splitRules(SplitRules splitRules) {
            this.splitRules = splitRules;
            return this;
        }

        public Builder checkpoints(CheckpointInterval interval) {
            this.checkpoints = interval;
            return this;
        }

        public Builder base(Optional<BaseIndex> base) {
            this.base = base;
            return this;
        }

        public Builder warnsOfRepeatedInputs(boolean warns) {
            this.warnsOfRepeatedInputs = warns;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is out of range */
        public WorkerConfig build() {
            return new WorkerConfig(this);
        }
    }
}
