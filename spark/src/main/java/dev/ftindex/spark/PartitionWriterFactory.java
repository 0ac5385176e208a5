package dev.ftindex.spark;

import java.io.Serial;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;

/** Shipped to the executors: everything a task needs to build and stage its partition. */
record PartitionWriterFactory(WriteOptions options, RowMapping mapping, String writeId, int partitions, WriteHooks hooks)
        implements DataWriterFactory {
    @Serial
    private static final long serialVersionUID = 2L;

    @Override
    public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
        return new PartitionWriter(options, mapping, writeId, partitions, partitionId, taskId, hooks);
    }
}
