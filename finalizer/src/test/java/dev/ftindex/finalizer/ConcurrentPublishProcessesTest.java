package dev.ftindex.finalizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two publisher processes that read the same alias version: one wins, the other exits 5 naming it. */
class ConcurrentPublishProcessesTest {
    @TempDir
    Path temp;

    @BeforeAll
    static void template() throws Exception {
        CollectionLifecycleTest.commitTemplate();
    }

    @Test
    void twoProcessesOnALocalDirectory() throws Exception {
        Path root = temp.resolve("collection");
        try (ObjectStore store = ObjectStores.local(root)) {
            race(store, List.of("local", root.toString()));
        }
    }

    @Test
    void twoProcessesOnS3Proxy() throws Exception {
        S3ProxyServer server = S3ProxyServer.shared();
        String bucket = server.newBucket();
        try (ObjectStore store = ObjectStores.open(new StoreLocation.S3(bucket, "products/"), server.settings().build(), Map.of())) {
            race(store, List.of("s3", server.endpoint().toString(), bucket, "products/"));
        }
    }

    private void race(ObjectStore store, List<String> target) throws Exception {
        for (String generation : List.of("base", "left", "right")) {
            CollectionLifecycleTest.addCommitted(store, generation);
        }
        CollectionLifecycleTest.publisher(store).publish("base");
        Path barrier = Files.createDirectories(temp.resolve("barrier-" + target.getFirst()));
        List<Process> processes = new ArrayList<>();
        List<Path> errors = new ArrayList<>();
        for (String generation : List.of("left", "right")) {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), PublishMain.class.getName(),
                    generation, barrier.toString(), "2"));
            command.addAll(target);
            Path err = temp.resolve(generation + "-" + target.getFirst() + ".err");
            errors.add(err);
            processes.add(new ProcessBuilder(command).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        List<Integer> exits = new ArrayList<>();
        for (Process process : processes) {
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            exits.add(process.exitValue());
        }
        assertThat(exits).as(exits + " " + Files.readString(errors.get(0)) + Files.readString(errors.get(1))).containsExactlyInAnyOrder(0, 5);
        AliasVersion latest = new IndexCollection(store).latest().orElseThrow();
        String winner = latest.current().generation();
        int loser = exits.indexOf(5);
        assertThat(latest.version()).isEqualTo(2);
        assertThat(latest.previous().generation()).isEqualTo("base");
        assertThat(winner).isEqualTo(List.of("left", "right").get(1 - loser));
        assertThat(Files.readString(errors.get(loser), StandardCharsets.UTF_8)).contains("another publish won").contains("names generation " + winner);
        assertThat(new File(barrier.toString()).list()).hasSize(2);
    }
}
