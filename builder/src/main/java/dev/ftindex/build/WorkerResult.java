package dev.ftindex.build;

import dev.ftindex.storage.RequestMetrics;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a worker run, printed as the command's JSON result.
 *
 * @param status {@code staged}: this attempt staged the partition; {@code already-staged}: an
 *     earlier attempt had, nothing was done; {@code lost-race}: another attempt finished first
 *     and this one removed its own files. All three mean the partition is staged.
 * @param attempt the attempt whose files the manifest lists (ours, or the winner's)
 * @param docs documents in the staged partition
 * @param cleanupFailures best-effort steps that failed (never a reason to fail the run)
 */
public record WorkerResult(
        String status,
        long partition,
        String attempt,
        long docs,
        long bytes,
        int files,
        Skipped skipped,
        Duplicates duplicates,
        Input input,
        double seconds,
        Map<String, Double> stageSeconds,
        RequestMetrics.Snapshot requests,
        List<String> cleanupFailures) {

    public static final String STAGED = "staged";
    public static final String ALREADY_STAGED = "already-staged";
    public static final String LOST_RACE = "lost-race";

    /** Records skipped with {@code --skip-bad-records}, and where the first ones were. */
    public record Skipped(long count, List<String> first) {}

    /**
     * Ids that occur more than once in the partition: always 0 unless {@code allowed}, since a
     * worker fails on them otherwise.
     */
    public record Duplicates(long ids, boolean allowed) {}

    /** What this worker read. */
    public record Input(int files, int splits, long bytes, String fingerprint) {}
}
