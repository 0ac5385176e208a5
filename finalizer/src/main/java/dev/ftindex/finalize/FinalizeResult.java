package dev.ftindex.finalize;

import dev.ftindex.storage.RequestMetrics;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a finalizer run, printed as the command's JSON result.
 *
 * @param status {@code committed} (this run wrote {@code metadata.lance}) or
 *     {@code already-committed} (it existed, or a concurrent finalizer wrote it with this plan)
 * @param partitionCount where the partition count came from: {@code flag}, {@code manifests},
 *     or {@code staged} (nothing stated one, so whatever was staged was committed)
 * @param unplannedPartitions partitions staged after the plan was frozen: not committed
 * @param filesCopied files copied server-side by this run
 * @param filesSkipped final files already in place with the planned size and checksum
 * @param bytesCopied bytes of the files this run copied (server-side)
 * @param cleanup what the best-effort removal of {@code staging/} did
 * @param requests requests this run made, by kind, and the bytes that passed through it
 */
public record FinalizeResult(
        String status,
        String indexId,
        int partitions,
        long docs,
        int files,
        long bytes,
        String partitionCount,
        List<Long> unplannedPartitions,
        int filesCopied,
        int filesSkipped,
        long bytesCopied,
        Cleanup cleanup,
        RequestMetrics.Snapshot requests,
        double seconds,
        Map<String, Double> stageSeconds,
        List<String> notes) {

    public static final String COMMITTED = "committed";
    public static final String ALREADY_COMMITTED = "already-committed";

    /** Objects removed from {@code staging/}, and what could not be removed (never fatal). */
    public record Cleanup(int deleted, List<String> failures) {}
}
