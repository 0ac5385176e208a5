package dev.ftindex.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark benchmark's job ({@code bench/SparkBenchmark} runs it from this module's test classes,
 * in a JVM of its own beside the shipped Spark jar; benchmark code, never in the jar): it times
 * {@code format("ftindex")} writing JSON Lines (the session's start and a count of the rows
 * outside the time), then the same read and shuffle by id into Spark's no-op sink, which is what
 * the write costs before ftindex sees a row. It references only Spark and the JDK, so that it runs
 * on Spark's class path alone; it prints one JSON line.
 *
 * <p>Arguments: {@code input index specFile partitions idColumn [option=value]...}.
 */
public final class BenchmarkWrite {
    private BenchmarkWrite() {}

    public static void main(String[] args) throws Exception {
        String input = args[0];
        String index = args[1];
        String spec = Files.readString(Path.of(args[2]));
        int partitions = Integer.parseInt(args[3]);
        String idColumn = args[4];
        SparkSession spark = SparkSession.builder().appName("ftindex benchmark").master("local[2]").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        try {
            Dataset<Row> frame = spark.read().json(input);
            DataFrameWriter<Row> writer = frame.write().format("ftindex").mode("append").option("spec", spec)
                    .option("partitions", String.valueOf(partitions));
            for (int i = 5; i < args.length; i++) {
                int equals = args[i].indexOf('=');
                writer.option(args[i].substring(0, equals), args[i].substring(equals + 1));
            }
            long rows = frame.count();
            long start = System.nanoTime();
            writer.save(index);
            double seconds = (System.nanoTime() - start) / 1e9;
            // After the write, so that the write gets no warm-up from it.
            long upstreamStart = System.nanoTime();
            Column id = frame.col(idColumn);
            frame.repartition(partitions, id).write().format("noop").mode("overwrite").save();
            double upstream = (System.nanoTime() - upstreamStart) / 1e9;
            System.out.println(String.format(Locale.ROOT, "{\"rows\":%d,\"seconds\":%.6f,\"upstreamSeconds\":%.6f,\"rowsPerSecond\":%.3f}",
                    rows, seconds, upstream, rows / seconds));
        } finally {
            spark.stop();
        }
    }
}
