package dev.ftindex.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.search.CommittedIndex;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code spark/target/ftindex-spark.jar} beside Spark's own class path and nothing
 * else, in a JVM of its own, as {@code spark-submit --jars} runs it: the source is found by its
 * short name, ftindex's Jackson does not meet Spark's, Lucene finds its codecs, and the index
 * is committed.
 */
class ShadedJarIT {
    @TempDir
    Path temp;

    @Test
    void theShadedJarWritesAnIndexBesideSparksOwnClassPath() throws Exception {
        Path jar = Path.of(System.getProperty("ftindex.spark.jar"));
        Path classPathFile = Path.of(System.getProperty("ftindex.spark.classpath"));
        String sparkClassPath = Files.readString(classPathFile).strip() + File.pathSeparator
                + Files.readString(classPathFile.resolveSibling("spark-shared-class-path.txt")).strip();
        try (JarFile shaded = new JarFile(jar.toFile())) {
            assertThat(shaded.getManifest().getMainAttributes().getValue("Multi-Release")).isEqualTo("true");
            assertThat(shaded.getEntry("META-INF/services/org.apache.spark.sql.sources.DataSourceRegister")).isNotNull();
            assertThat(shaded.getEntry("META-INF/services/org.apache.lucene.codecs.Codec")).isNotNull();
            assertThat(shaded.getEntry("com/fasterxml/jackson/databind/ObjectMapper.class")).as("Jackson is relocated").isNull();
            assertThat(shaded.getEntry("dev/ftindex/shaded/jackson/databind/ObjectMapper.class")).isNotNull();
            assertThat(shaded.stream().filter(entry -> entry.getName().startsWith("org/apache/spark/"))).as("Spark is not in it").isEmpty();
            assertThat(shaded.stream().filter(entry -> entry.getName().startsWith("org/slf4j/"))).isEmpty();
        }

        S3ProxyServer s3 = S3ProxyServer.shared();
        String bucket = s3.newBucket();
        Path input = TestDocuments.write(temp.resolve("docs.jsonl"), TestDocuments.lines(0, 500, 4));
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx1g"));
        command.addAll(Arrays.stream(System.getProperty("ftindex.spark.jvmOptions").trim().split("\\s+")).toList());
        command.addAll(List.of("-cp", sparkClassPath + File.pathSeparator + jar + File.pathSeparator + testClasses(),
                SubmitMain.class.getName(), input.toString(), "s3://" + bucket + "/idx", s3.endpoint().toString(),
                new String(Json.write(TestDocuments.spec()), StandardCharsets.UTF_8)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(temp.resolve("submit.log").toFile());
        builder.environment().put("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY);
        builder.environment().put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
        Process process = builder.start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String log = Files.readString(temp.resolve("submit.log"));
        assertThat(process.exitValue()).as(log).isZero();
        assertThat(log).contains("written");

        try (ObjectStore root = ObjectStores.open(new StoreLocation.S3(bucket, "idx/"), s3.settings().build(), Map.of())) {
            IndexMetadata metadata = StoredJson.read(root, IndexLayout.METADATA, IndexMetadata.class);
            assertThat(metadata.totals().docs()).isEqualTo(500);
            assertThat(metadata.totals().partitions()).isEqualTo(2);
            try (CommittedIndex index = CommittedIndex.open(root, temp.resolve("cache"), 2, Progress.silent())) {
                assertThat(index.search("index", 10).hits()).isNotEmpty();
            }
        }
    }

    /** Where SubmitMain is: this module's test classes (it uses only Spark's API). */
    private static String testClasses() throws Exception {
        return Path.of(SubmitMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
