package dev.ftindex.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image users run: built from the Containerfile by {@code container/build-image} (as CI does),
 * then each command run from it with podman as a user would: {@code version}; the bundled sample
 * built into a mounted directory under a 1 GiB memory limit; two workers and the finalizer against
 * S3Proxy on the host; {@code serve} with {@code /readyz}, {@code /search} and a SIGTERM drain.
 * Each podman command is logged with its exit code. Where podman cannot run at all, the tests are
 * skipped, saying so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImageTest {
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final Path CONTAINERS_CONF = REPOSITORY.resolve("target/container/containers.conf");
    private static String image;

    @TempDir
    static Path temp;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    static void buildImage() throws Exception {
        Run info = command(List.of("podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"), Duration.ofSeconds(60));
        assumeTrue(info.exit() == 0, "podman cannot run here (" + (info.exit() == 127 ? "not installed" : info.err().strip())
                + "): the container image is not built or tested; .ci/run installs podman, buildah, runc and debootstrap");
        image = "localhost/ftindex:" + pomVersion();
        Run built = command(List.of(REPOSITORY.resolve("container/build-image").toString(), image), Duration.ofMinutes(20));
        built.out().lines().forEach(System.out::println);
        assertThat(built.exit()).as("container/build-image\n" + built.out() + built.err()).isZero();
    }

    @Test
    @Order(1)
    void versionPrintsOnlyTheVersion() throws Exception {
        Run version = podman("run", "--rm", image, "version");
        assertThat(version.exit()).as(version.err()).isZero();
        assertThat(version.out().strip()).matches("ftindex " + Pattern.quote(pomVersion()) + " \\(Lucene \\S+\\)");
        assertThat(version.err()).as("nothing before the answer").isEmpty();
    }

    @Test
    @Order(2)
    void theSampleBuildsIntoAMountedDirectoryUnderAOneGibLimitWithItsHeapBelowIt() throws Exception {
        Path data = writable(temp.resolve("sample"));
        Run build = podman("run", "--rm", "--memory", "1g", "-e", "FTINDEX_JAVA_OPTS=-Xlog:gc+init:stderr", "-v", data + ":/data", image,
                "build", "--index", "/data/index", "--search", "light darkness", "--progress", "none");
        assertThat(build.exit()).as(build.err()).isZero();
        JsonNode result = Json.MAPPER.readTree(build.out());
        assertThat(result.path("docs").asLong()).isEqualTo(3241);
        assertThat(result.path("search").path("totalHits").asLong()).isPositive();
        assertThat(data.resolve("index/metadata.lance")).as("written to the mounted directory").isRegularFile();
        Matcher heap = Pattern.compile("Heap Max Capacity: (\\d+)M").matcher(build.err());
        assertThat(heap.find()).as("the JVM's heap, logged by -Xlog:gc+init\n" + build.err()).isTrue();
        long maxHeapMb = Long.parseLong(heap.group(1));
        System.out.println("container: the sample build under --memory 1g ran with a maximum heap of " + maxHeapMb + " MB");
        assertThat(maxHeapMb).isLessThan(1024);
    }

    @Test
    @Order(3)
    void twoWorkersAndTheFinalizerCommitToS3ProxyOnTheHost() throws Exception {
        S3ProxyServer s3 = S3ProxyServer.shared();
        String bucket = s3.newBucket();
        Path data = writable(temp.resolve("docs"));
        Files.write(data.resolve("spec.json"), Json.write(TestDocuments.spec()));
        TestDocuments.write(data.resolve("docs.jsonl"), TestDocuments.lines(0, 2_000, 4));
        List<String> s3Options = List.of("--network", "host", "-e", "AWS_ACCESS_KEY_ID=" + S3ProxyServer.ACCESS_KEY, "-e",
                "AWS_SECRET_ACCESS_KEY=" + S3ProxyServer.SECRET_KEY, "-e", "AWS_REGION=us-east-1", "-v", data + ":/data");
        String index = "s3://" + bucket + "/idx";
        for (int partition = 0; partition < 2; partition++) {
            List<String> worker = new ArrayList<>(List.of("run", "--rm"));
            worker.addAll(s3Options);
            worker.addAll(List.of(image, "build-partition", "--index", index, "--endpoint", s3.endpoint().toString(), "--spec", "/data/spec.json",
                    "--input", "/data/docs.jsonl", "--partition", String.valueOf(partition), "--partitions", "2", "--progress", "json"));
            Run run = podman(worker.toArray(String[]::new));
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(Json.MAPPER.readTree(run.out()).path("status").asText()).isEqualTo("staged");
        }
        List<String> finalize = new ArrayList<>(List.of("run", "--rm"));
        finalize.addAll(s3Options);
        finalize.addAll(List.of(image, "finalize", "--index", index, "--endpoint", s3.endpoint().toString()));
        Run committed = podman(finalize.toArray(String[]::new));
        assertThat(committed.exit()).as(committed.err()).isZero();
        try (ObjectStore root = ObjectStores.open(new StoreLocation.S3(bucket, "idx/"), s3.settings().build(), Map.of())) {
            assertThat(new IndexRoot(root).requireCommit().metadata().totals().docs()).isEqualTo(2_000);
        }
    }

    @Test
    @Order(4)
    void serveAnswersOnItsPortAndDrainsOnSigterm() throws Exception {
        Path data = writable(temp.resolve("served"));
        Run build = podman("run", "--rm", "-v", data + ":/data", image, "build", "--index", "/data/index", "--progress", "none");
        assertThat(build.exit()).as(build.err()).isZero();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String name = "ftindex-serve-" + UUID.randomUUID().toString().substring(0, 8);
        Run started = podman("run", "-d", "--name", name, "--network", "host", "-v", data + ":/data", image, "serve", "--index", "/data/index",
                "--host", "127.0.0.1", "--port", String.valueOf(port), "--drain-timeout", "5s");
        assertThat(started.exit()).as(started.err()).isZero();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            int ready = 0;
            while (ready != 200 && System.nanoTime() < deadline) {
                try {
                    ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException notYet) {
                    Thread.sleep(250);
                }
            }
            assertThat(ready).as("/readyz\n" + podman("logs", name).err()).isEqualTo(200);
            HttpResponse<String> search = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/search?q=light&k=3")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(search.statusCode()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(search.body()).path("hits")).hasSize(3);

            assertThat(podman("kill", "--signal", "TERM", name).exit()).isZero();
            Run waited = podman("wait", name);
            assertThat(waited.out().strip()).as("the exit code after SIGTERM\n" + podman("logs", name).err()).isEqualTo("0");
            Run logs = podman("logs", name);
            assertThat(logs.out()).contains("\"status\" : \"stopped\"");
        } finally {
            podman("rm", "-f", name);
        }
    }

    private static Path writable(Path directory) throws IOException {
        Files.createDirectories(directory);
        // The image runs as an unprivileged user: the directory a user mounts must be writable by it.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        return directory;
    }

    private static String pomVersion() throws IOException {
        Matcher version = Pattern.compile("<version>([^<$]+)</version>").matcher(Files.readString(REPOSITORY.resolve("pom.xml")));
        assertThat(version.find()).isTrue();
        return version.group(1);
    }

    private static Run podman(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        return command(command, Duration.ofMinutes(5));
    }

    /** Runs {@code command}, logging it and its exit code as CI shows them. */
    private static Run command(List<String> command, Duration timeout) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = new HashMap<>(builder.environment());
        if (Files.isRegularFile(CONTAINERS_CONF) && !environment.containsKey("CONTAINERS_CONF")) {
            builder.environment().put("CONTAINERS_CONF", CONTAINERS_CONF.toString());
        }
        Path out = Files.createTempFile("podman-", ".out");
        Path err = Files.createTempFile("podman-", ".err");
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        } catch (IOException notInstalled) {
            return new Run(127, "", String.valueOf(notInstalled.getMessage()));
        }
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout);
        }
        Run run = new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        System.out.printf("container: %s -> exit %d (%.1f s)%n", String.join(" ", command), run.exit(), (System.nanoTime() - start) / 1e9);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return run;
    }
}
