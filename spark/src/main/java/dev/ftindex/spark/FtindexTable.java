package dev.ftindex.spark;

import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;

/** The index root as Spark sees it: something a DataFrame of this schema is written to, in batch. */
final class FtindexTable implements SupportsWrite {
    private final StructType schema;
    private final Map<String, String> properties;
    private final WriteHooks hooks;

    FtindexTable(StructType schema, Map<String, String> properties, WriteHooks hooks) {
        this.schema = schema;
        this.properties = properties;
        this.hooks = hooks;
    }

    @Override
    public String name() {
        return "ftindex " + properties.getOrDefault("path", "");
    }

    @Override
    @SuppressWarnings("deprecation")
    public StructType schema() {
        return schema;
    }

    @Override
    public Set<TableCapability> capabilities() {
        // TRUNCATE is what Spark asks of mode("overwrite"); here it replaces another write's uncommitted staging.
        return Set.of(TableCapability.BATCH_WRITE, TableCapability.TRUNCATE);
    }

    @Override
    public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
        return new FtindexWrite.Builder(info, hooks);
    }
}
