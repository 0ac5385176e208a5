package dev.ftindex.spark;

import dev.ftindex.format.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A ready-made job: JSON Lines (or Parquet) files in, an index out, through
 * {@code format("ftindex")}:
 *
 * <pre>
 *   spark-submit --class dev.ftindex.spark.WriteJson ftindex-spark.jar \
 *       --input s3a://bucket/docs/ --index s3://bucket/idx --spec spec.json [--partitions 64] [--format parquet] [--option k=v]...
 * </pre>
 *
 * Prints one JSON line: rows written and the seconds the write took (the session's start excluded);
 * with {@code --upstream-by ID_COLUMN} also the seconds of the same read and shuffle into Spark's
 * no-op sink, which is what the write costs before ftindex sees a row.
 * Without {@code spark-submit} (tests, benchmarks) {@code --master local[2]} starts a local session.
 */
public final class WriteJson {
    private WriteJson() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> named = new LinkedHashMap<>();
        List<String> options = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: --input PATH --index URI [--spec FILE] [--partitions N] [--format json|parquet] [--upstream-by ID_COLUMN]"
                        + " [--master URL] [--mode append|overwrite] [--option name=value]...; not understood: " + arg);
            }
            String value = args[++i];
            if (arg.equals("--option")) {
                options.add(value);
            } else {
                named.put(arg.substring(2), value);
            }
        }
        SparkSession.Builder builder = SparkSession.builder().appName("ftindex WriteJson");
        if (named.containsKey("master")) {
            builder.master(named.get("master")).config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1");
        }
        SparkSession spark = builder.getOrCreate();
        try {
            String input = required(named, "input");
            Dataset<Row> frame = named.getOrDefault("format", "json").equals("parquet") ? spark.read().parquet(input) : spark.read().json(input);
            DataFrameWriter<Row> writer = frame.write().format("ftindex").mode(named.getOrDefault("mode", "append"));
            if (named.containsKey("spec")) {
                writer.option("spec", Files.readString(Path.of(named.get("spec"))));
            }
            if (named.containsKey("partitions")) {
                writer.option("partitions", named.get("partitions"));
            }
            for (String option : options) {
                int equals = option.indexOf('=');
                if (equals < 1) {
                    throw new IllegalArgumentException("--option takes name=value, not " + option);
                }
                writer.option(option.substring(0, equals), option.substring(equals + 1));
            }
            // Counting the rows reads the input once more; it is outside the timed write.
            long rows = frame.count();
            Map<String, Object> result = new LinkedHashMap<>();
            long start = System.nanoTime();
            writer.save(required(named, "index"));
            double seconds = (System.nanoTime() - start) / 1e9;
            if (named.containsKey("upstream-by")) {
                // What the write costs before ftindex sees a row (reading, parsing, the shuffle by
                // id), measured with Spark's own no-op sink over the same distribution, after the
                // write so that the write gets no warm-up from it.
                long upstream = System.nanoTime();
                Column id = frame.col(named.get("upstream-by"));
                Dataset<Row> clustered = named.containsKey("partitions") ? frame.repartition(Integer.parseInt(named.get("partitions")), id)
                        : frame.repartition(id);
                clustered.write().format("noop").mode("overwrite").save();
                result.put("upstreamSeconds", (System.nanoTime() - upstream) / 1e9);
            }
            result.put("index", named.get("index"));
            result.put("rows", rows);
            result.put("seconds", seconds);
            result.put("rowsPerSecond", rows / seconds);
            System.out.println(new String(Json.COMPACT.writeValueAsBytes(result), java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            spark.stop();
        }
    }

    private static String required(Map<String, String> named, String name) {
        String value = named.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }
}
