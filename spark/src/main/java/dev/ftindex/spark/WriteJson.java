package dev.ftindex.spark;

import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.Json;
import dev.ftindex.objectstore.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * A ready-made job: JSON Lines (or Parquet) files in, an index out, through
 * {@code format("ftindex")}. Its command line is picocli's, as every ftindex command's.
 */
@Command(name = "dev.ftindex.spark.WriteJson", mixinStandardHelpOptions = true, sortOptions = false,
        header = "write JSON Lines or Parquet files into an ftindex index with Spark",
        description = {
            "Reads --input with Spark, writes it with format(\"ftindex\") to --index, and prints one JSON line: the",
            "index root, its partitions and documents as committed. Every --option is passed to the writer (the",
            "options of format(\"ftindex\"): README, \"From Spark\")."},
        footer = {
            "  spark-submit --class dev.ftindex.spark.WriteJson --jars ftindex-spark.jar ftindex-spark.jar \\",
            "      --input s3a://bucket/docs/ --index s3://bucket/idx --spec spec.json --partitions 64"})
public final class WriteJson implements Callable<Integer> {
    /** How the input files are read. */
    enum Format {
        json, parquet
    }

    /** Spark's save modes that {@code format("ftindex")} accepts. */
    enum Mode {
        append, overwrite
    }

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "the files to read (any path Spark reads: s3a://, file, glob)")
    String input;

    @Option(names = "--index", required = true, paramLabel = "URI", description = "the index root to write (s3://bucket/prefix or a path)")
    String index;

    @Option(names = "--spec", paramLabel = "FILE", description = "the index spec, a JSON file on the driver (default: ftindex's default spec)")
    Path spec;

    @Option(names = "--partitions", paramLabel = "N", description = "index partitions (default: Spark's shuffle partitions)")
    Integer partitions;

    @Option(names = "--format", paramLabel = "FORMAT", description = "json or parquet (default json)")
    Format format = Format.json;

    @Option(names = "--mode", paramLabel = "MODE", description = "append (an empty root) or overwrite (replace a failed run's staging);"
            + " default append")
    Mode mode = Mode.append;

    @Option(names = "--master", paramLabel = "URL", description = "start a session of this master (spark-submit sets it otherwise),"
            + " e.g. local[2]")
    String master;

    @Option(names = "--option", paramLabel = "NAME=VALUE", description = "an option of format(\"ftindex\"), e.g. ramBufferMb=512 or"
            + " endpoint=http://minio:9000; repeatable")
    Map<String, String> options = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new WriteJson()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        SparkSession.Builder builder = SparkSession.builder().appName("ftindex WriteJson");
        if (master != null) {
            builder.master(master).config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1");
        }
        // A session that was running before (a notebook, a test) is someone else's to stop.
        boolean ownSession = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = builder.getOrCreate();
        try {
            Dataset<Row> frame = format == Format.parquet ? spark.read().parquet(input) : spark.read().json(input);
            Map<String, String> writerOptions = new LinkedHashMap<>(options);
            if (spec != null) {
                writerOptions.put(WriteOptions.Option.SPEC.key, Files.readString(spec));
            }
            if (partitions != null) {
                writerOptions.put(WriteOptions.Option.PARTITIONS.key, String.valueOf(partitions));
            }
            DataFrameWriter<Row> writer = frame.write().format("ftindex").mode(mode.name()).options(writerOptions);
            writer.save(index);
            writerOptions.put(WriteOptions.Option.PATH.key, index);
            IndexMetadata committed;
            try (ObjectStore root = WriteOptions.parse(new CaseInsensitiveStringMap(writerOptions)).openRoot()) {
                committed = new IndexRoot(root).requireCommit().metadata();
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("index", index);
            result.put("indexId", committed.indexId());
            result.put("partitions", committed.totals().partitions());
            result.put("documents", committed.totals().docs());
            System.out.println(new String(Json.COMPACT.writeValueAsBytes(result), StandardCharsets.UTF_8));
            return 0;
        } finally {
            if (ownSession) {
                spark.stop();
            }
        }
    }
}
