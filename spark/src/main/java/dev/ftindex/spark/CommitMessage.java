package dev.ftindex.spark;

import dev.ftindex.builder.StageStatus;
import java.io.Serial;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * What a task tells the driver when its partition is staged.
 *
 * @param attempt this task attempt's attempt id
 * @param winner the attempt whose manifest is staged: this one, or one that staged first
 * @param docs documents of the winner's partition
 */
record CommitMessage(long partition, String attempt, StageStatus status, String winner, long docs, long bytes)
        implements WriterCommitMessage {
    @Serial
    private static final long serialVersionUID = 1L;
}
