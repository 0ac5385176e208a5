package dev.ftindex.spark;

import java.io.Serializable;

/**
 * The points of a write where something can go wrong, for the fault-injecting data source of the
 * tests (as Lucene's {@code MockDirectoryWrapper} wraps a directory): after each row, after a
 * partition is staged, instead of an abort, and on the driver before the commit. Package-private:
 * {@link FtindexDataSource} always passes {@link #NONE}; no option reaches them.
 */
interface WriteHooks extends Serializable {
    WriteHooks NONE = None.INSTANCE;

    /** After {@code rows} rows of a task attempt were read. */
    default void afterRow(long partition, int attemptNumber, long rows) {}

    /** After a task attempt staged its partition, before it reports to the driver. */
    default void afterStaged(long partition, int attemptNumber) {}

    /** Whether a task attempt's abort is skipped, as when its executor is lost. */
    default boolean loseAbort(long partition, int attemptNumber) {
        return false;
    }

    /** On the driver, after every task staged and before the commit. */
    default void beforeCommit() {}

    /** No hooks: a singleton that stays one when Spark serializes it to the tasks. */
    enum None implements WriteHooks {
        INSTANCE
    }
}
