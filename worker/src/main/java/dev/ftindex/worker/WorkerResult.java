package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

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
        @JsonUnwrapped RunStats run,
        List<String> cleanupFailures) {

    public WorkerResult {
        requireNonNull(status, "status is null");
        requireNonNull(staged, "staged is null");
        requireNonNull(skipped, "skipped is null");
        requireNonNull(duplicates, "duplicates is null");
        requireNonNull(input, "input is null");
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
