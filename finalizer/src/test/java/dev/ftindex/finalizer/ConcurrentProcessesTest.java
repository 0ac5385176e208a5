package dev.ftindex.finalizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three finalizer processes started at once over the same staging: one commit, the same answer. */
class ConcurrentProcessesTest {
    private static final int ROUNDS = 4;

    @TempDir
    Path temp;

    @Test
    void threeProcessesOnALocalDirectory() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Path root = temp.resolve("root-" + round);
            ObjectStore store = FinalizerProtocolTest.copyOf(template(), ObjectStores.local(root));
            race(store, List.of("local", root.toString()), "local round " + round);
        }
    }

    @Test
    void threeProcessesOnS3Proxy() throws Exception {
        S3ProxyServer server = S3ProxyServer.shared();
        for (int round = 0; round < ROUNDS; round++) {
            String bucket = server.newBucket();
            ObjectStore store = FinalizerProtocolTest.copyOf(template(),
                    ObjectStores.open(new StoreLocation.S3(bucket, "idx/"), server.settings().build(), Map.of()));
            race(store, List.of("s3", server.endpoint().toString(), bucket, "idx/"), "s3 round " + round);
            store.close();
        }
    }

    private static ObjectStore template() throws IOException {
        FinalizerProtocolTest.stageTemplate();
        return FinalizerProtocolTest.template;
    }

    private static void race(ObjectStore store, List<String> target, String what) throws Exception {
        List<Process> processes = new ArrayList<>();
        List<java.nio.file.Path> stderrFiles = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), FinalizeMain.class.getName()));
            command.addAll(target);
            java.io.File errors = java.io.File.createTempFile("finalize-", ".err");
            errors.deleteOnExit();
            stderrFiles.add(errors.toPath());
            processes.add(new ProcessBuilder(command).redirectError(errors).start());
        }
        List<JsonNode> results = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process process = processes.get(i);
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(what).isTrue();
            assertThat(process.exitValue()).as(what + ": " + out + java.nio.file.Files.readString(stderrFiles.get(i))).isZero();
            results.add(Json.MAPPER.readTree(out));
        }

        assertThat(results).as(what).extracting(r -> r.get("indexId").asText())
                .containsOnly(FinalizerProtocolTest.indexId(FinalizerProtocolTest.reference));
        assertThat(results).as(what).filteredOn(r -> r.get("status").asText().equals(FinalizeResult.Status.COMMITTED.json())).hasSize(1);
        assertThat(results).as(what).extracting(r -> r.get("docs").asLong()).containsOnly((long) FinalizerProtocolTest.DOCS);
        Map<String, byte[]> state = FinalizerProtocolTest.committedState(store);
        assertThat(state.keySet()).as(what).isEqualTo(FinalizerProtocolTest.reference.keySet());
        state.forEach((key, bytes) -> assertThat(bytes).as(what + " " + key).isEqualTo(FinalizerProtocolTest.reference.get(key)));
        assertThat(store.list("staging/")).as(what).isEmpty();
    }
}
