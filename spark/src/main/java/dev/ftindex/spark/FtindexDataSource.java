package dev.ftindex.spark;

import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * {@code df.write.format("ftindex").option("spec", ...).mode("append").save("s3://bucket/idx")}: a
 * Spark DataSource V2 that builds one committed ftindex index from a DataFrame, with the
 * guarantees of the CLI's workers and finalizer (docs/PROTOCOL.md, "Spark writer").
 *
 * <p>Modes: {@code append} builds the index at an empty root (or one holding only this write's
 * staging); {@code overwrite} first removes the uncommitted staging another write left there (a
 * failed run). Neither ever changes a committed index: a committed root is a conflict. Spark
 * refuses {@code errorifexists} (its default) and {@code ignore} for this kind of source: give
 * the mode.
 *
 * <p>With the option {@code base} (a committed index root), the write is an append: the new root
 * holds every partition of the base unchanged (copied server-side when both share a bucket), then
 * the partitions of this DataFrame, whose ids must not be in the base (the option
 * {@code allowDuplicateIds} keeps both); the spec is the base's.
 *
 * <p>Write-only: reading is {@code ftindex search} and {@code ftindex serve}.
 */
public final class FtindexDataSource implements TableProvider, DataSourceRegister {
    @Override
    public String shortName() {
        return "ftindex";
    }

    @Override
    public boolean supportsExternalMetadata() {
        return true;
    }

    @Override
    public StructType inferSchema(CaseInsensitiveStringMap options) {
        throw new UnsupportedOperationException("format(\"ftindex\") is write-only: search the index with `ftindex search` or"
                + " `ftindex serve`");
    }

    @Override
    public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
        if (partitioning.length > 0) {
            throw new IllegalArgumentException("format(\"ftindex\") takes no partitionBy: an index is partitioned by a hash of the id"
                    + " (option partitions sets how many)");
        }
        return new FtindexTable(schema, properties, WriteHooks.NONE);
    }
}
