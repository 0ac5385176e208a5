package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.ftindex.builder.StageStatus;
import dev.ftindex.format.progress.RunStats;
import java.util.List;

/**
 * The outcome of a worker run, printed as the command's JSON result (the groups are flattened
 * into it: {@code partition}, {@code attempt}, ... at the top level).
 *
 * @param staged the partition that is staged: this attempt's, or the winner's
 * @param cleanupFailures best-effort steps that failed (never a reason to fail the run)
 */
public record WorkerResult(
        StageStatus status,
        @JsonUnwrapped Staged staged,
        Skipped skipped,
        Duplicates duplicates,
        Input input,
        Checkpoints checkpoints,
        @JsonUnwrapped RunStats run,
        List<String> cleanupFailures) {

    public WorkerResult {
        requireNonNull(status, "status is null");
        requireNonNull(staged, "staged is null");
        requireNonNull(skipped, "skipped is null");
        requireNonNull(duplicates, "duplicates is null");
        requireNonNull(input, "input is null");
        requireNonNull(checkpoints, "checkpoints is null");
        requireNonNull(run, "run is null");
        cleanupFailures = List.copyOf(cleanupFailures);
    }

    /**
     * @param attempt the attempt whose files the manifest lists (ours, or the winner's)
     * @param docs documents in the staged partition
     */
    public record Staged(long partition, String attempt, long docs, long bytes, int files) {}

    /** Records skipped with {@code --skip-bad-records}, and where the first ones were. */
    public record Skipped(long count, List<String> first) {
        public Skipped {
            first = List.copyOf(first);
        }
    }

    /**
     * Ids that occur more than once in the partition: always 0 unless {@code allowed}, since a
     * worker fails on them otherwise.
     */
    public record Duplicates(long ids, boolean allowed) {}

    /**
     * What this worker read.
     *
     * @param bytes the size of its share of the input
     * @param bytesRead what it read from storage for that share: text whole, Parquet only the
     *     footer and the column chunks the spec maps (0 when nothing was read: already staged)
     */
    public record Input(int files, int splits, long bytes, long bytesRead, String fingerprint) {
        Input withBytesRead(long read) {
            return new Input(files, splits, bytes, read, fingerprint);
        }
    }

    /**
     * Checkpoints of this run: how many it took, what it resumed from, and what it passed over.
     *
     * @param resumed the checkpoint this run continued from, or null
     * @param indexed documents this run indexed itself (the rest came from the checkpoint)
     * @param ignored checkpoints passed over, each with the reason
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Checkpoints(int taken, Resumed resumed, long indexed, List<String> ignored) {
        public static final Checkpoints NONE = new Checkpoints(0, null, 0, List.of());

        public Checkpoints {
            ignored = List.copyOf(ignored);
        }
    }

    /**
     * @param checkpoint the record's key
     * @param docs documents the checkpoint held: not indexed again
     */
    public record Resumed(String checkpoint, String attempt, int sequence, long docs) {}

    public long partition() {
        return staged.partition();
    }

    public String attempt() {
        return staged.attempt();
    }

    public long docs() {
        return staged.docs();
    }

    public long bytes() {
        return staged.bytes();
    }
}
