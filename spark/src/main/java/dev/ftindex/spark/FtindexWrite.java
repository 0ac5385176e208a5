package dev.ftindex.spark;

import dev.ftindex.format.IndexSpec;
import org.apache.spark.sql.connector.distributions.Distribution;
import org.apache.spark.sql.connector.distributions.Distributions;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.SortOrder;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.RequiresDistributionAndOrdering;
import org.apache.spark.sql.connector.write.SupportsTruncate;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;

/**
 * One write of a DataFrame into an index root. Its options are parsed and the DataFrame's schema
 * is bound to the spec when Spark plans the write, before any task runs: a missing or mistyped
 * column fails there. Spark is asked to cluster the rows by a hash of the id, so that every copy
 * of an id lands in one task, where the duplicate-id rule catches it.
 */
final class FtindexWrite implements Write, RequiresDistributionAndOrdering {
    private final WriteOptions options;
    private final RowMapping mapping;
    private final String writeId;
    private final boolean replace;
    private final WriteHooks hooks;

    private FtindexWrite(LogicalWriteInfo info, boolean replace, WriteHooks hooks) {
        this.options = WriteOptions.parse(info.options());
        IndexSpec spec = options.spec();
        this.mapping = RowMapping.bind(spec, info.schema());
        this.writeId = info.queryId();
        this.replace = replace;
        this.hooks = hooks;
    }

    /** {@code mode("overwrite")} arrives as a truncate: replace another write's uncommitted staging. */
    static final class Builder implements WriteBuilder, SupportsTruncate {
        private final LogicalWriteInfo info;
        private final WriteHooks hooks;
        private boolean replace;

        Builder(LogicalWriteInfo info, WriteHooks hooks) {
            this.info = info;
            this.hooks = hooks;
        }

        @Override
        public WriteBuilder truncate() {
            replace = true;
            return this;
        }

        @Override
        public Write build() {
            return new FtindexWrite(info, replace, hooks);
        }
    }

    @Override
    public String description() {
        return "ftindex index at " + options.root() + (replace ? " (replacing uncommitted staging)" : "");
    }

    @Override
    public Distribution requiredDistribution() {
        return Distributions.clustered(new Expression[] {Expressions.column(mapping.idColumn())});
    }

    @Override
    public int requiredNumPartitions() {
        return options.partitions();
    }

    @Override
    public SortOrder[] requiredOrdering() {
        return new SortOrder[0];
    }

    @Override
    public BatchWrite toBatch() {
        return new FtindexBatchWrite(options, mapping, writeId, replace, hooks);
    }

    @Override
    public CustomMetric[] supportedCustomMetrics() {
        return Metrics.supported();
    }
}
