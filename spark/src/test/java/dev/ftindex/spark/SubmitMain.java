package dev.ftindex.spark;

import org.apache.spark.sql.SparkSession;

/**
 * What a user's job does, in a JVM that has only Spark's class path and ftindex-spark.jar (as
 * {@code spark-submit --jars ftindex-spark.jar} gives it): read JSON Lines, write them with
 * {@code format("ftindex")}. Arguments: input, index root, S3 endpoint, spec JSON. Uses nothing
 * of ftindex but its format name.
 */
public final class SubmitMain {
    private SubmitMain() {}

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("ftindex-submit")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        try {
            spark.read().json(args[0]).write().format("ftindex")
                    .option("spec", args[3])
                    .option("endpoint", args[2])
                    .option("region", "us-east-1")
                    .option("pathStyle", "true")
                    .option("partitions", "2")
                    .mode("append")
                    .save(args[1]);
            System.out.println("written");
        } finally {
            spark.stop();
        }
    }
}
