package dev.ftindex.spark;

import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * {@code format("dev.ftindex.spark.FaultInjectingDataSource")}: {@code format("ftindex")} with the
 * faults a test sets in {@link #faults} before the write (read when Spark plans it, then shipped
 * to the tasks with the write). Test code only: the shipped jar has no way to inject a fault.
 */
public final class FaultInjectingDataSource implements TableProvider {
    static volatile Faults faults = new Faults(null, false);

    /** Where the first attempt of every task fails. */
    enum Where {
        /** At the tenth row: nothing is staged; the attempt aborts. */
        WRITE,
        /** After the manifest is created: the attempt aborts and withdraws what it staged. */
        STAGED,
        /** After the manifest is created, and the abort does nothing: a zombie that staged and vanished. */
        STAGED_WITHOUT_ABORT
    }

    /**
     * @param failFirstAttempt where the first attempt of every task fails, or null
     * @param crashBeforeCommit whether the driver "dies" after every task staged, before the commit
     */
    record Faults(Where failFirstAttempt, boolean crashBeforeCommit) implements WriteHooks {
        @Override
        public void afterRow(long partition, int attemptNumber, long rows) {
            if (failFirstAttempt == Where.WRITE && attemptNumber == 0 && rows == 10) {
                throw new IllegalStateException("test: the first attempt of partition " + partition + " fails while writing");
            }
        }

        @Override
        public void afterStaged(long partition, int attemptNumber) {
            if ((failFirstAttempt == Where.STAGED || failFirstAttempt == Where.STAGED_WITHOUT_ABORT) && attemptNumber == 0) {
                throw new IllegalStateException("test: the first attempt of partition " + partition + " fails after staging");
            }
        }

        @Override
        public boolean loseAbort(long partition, int attemptNumber) {
            return failFirstAttempt == Where.STAGED_WITHOUT_ABORT && attemptNumber == 0;
        }

        @Override
        public void beforeCommit() {
            if (crashBeforeCommit) {
                throw new IllegalStateException("test: the driver dies after every task staged, before the commit");
            }
        }
    }

    @Override
    public StructType inferSchema(CaseInsensitiveStringMap options) {
        throw new UnsupportedOperationException("write-only");
    }

    @Override
    public boolean supportsExternalMetadata() {
        return true;
    }

    @Override
    public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
        return new FtindexTable(schema, properties, faults);
    }
}
