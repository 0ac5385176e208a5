package dev.ftindex.integrationtests;

import static dev.ftindex.integrationtests.S3Collections.args;
import static dev.ftindex.integrationtests.S3Collections.copyOf;
import static dev.ftindex.integrationtests.S3Collections.ok;
import static dev.ftindex.integrationtests.S3Collections.store;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.FaultyHttpProxy;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An append's finalize ({@code ftindex finalize --base}) killed with SIGKILL in each of its stages,
 * on S3Proxy through a slow link, then run again: one valid commit, byte for byte the one an
 * undisturbed run makes, whose searches equal those of one build of all the input.
 */
class AppendKillEndToEndTest {
    private static final S3ProxyServer SERVER = S3Collections.SERVER;
    private static final List<String> STAGES = List.of("checking", "checking ids", "planning", "copying", "verifying", "committing",
            "cleaning");
    private static final String COLLECTION = S3Collections.COLLECTION;

    @TempDir
    Path temp;

    private final Ftindex ftindex = S3Collections.ftindex();

    @Test
    void anAppendsFinalizeKilledInEachStageConvergesOnOneCommit() throws Exception {
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        Path old = TestDocuments.write(temp.resolve("in/old.jsonl"), TestDocuments.lines(0, 2_000, 31));
        Path fresh = TestDocuments.write(temp.resolve("in/new.jsonl"), TestDocuments.lines(2_000, 1_000, 32));
        String staged = SERVER.newBucket();
        ok(run(staged, SERVER.endpoint(), "build", "--generation", "g1", "--spec", spec.toString(), "--input", old.toString(),
                "--workers", "3", "--threads", "1"));
        for (int partition = 0; partition < 2; partition++) {
            ok(run(staged, SERVER.endpoint(), "build-partition", "--generation", "g2", "--base", "g1", "--input", fresh.toString(),
                    "--partition", String.valueOf(partition), "--partitions", "2", "--threads", "1", "--min-split-mb", "0.05"));
        }
        String undisturbed = copyOf(staged);
        ok(run(undisturbed, SERVER.endpoint(), "finalize", "--generation", "g2", "--base", "g1"));
        Map<String, byte[]> expected = committed(undisturbed);
        IndexMetadata metadata = Json.readChecksummed(expected.get(IndexLayout.METADATA), IndexMetadata.class);
        assertThat(metadata.partitions()).hasSize(5);
        assertThat(metadata.base().generation()).isEqualTo("g1");

        Random random = new Random(23);
        TreeSet<String> killedIn = new TreeSet<>();
        String last = null;
        try (FaultyHttpProxy slow = FaultyHttpProxy.start(SERVER.endpoint(), request -> FaultyHttpProxy.Fault.NONE, Set.of(),
                Duration.ofMillis(60), 5)) {
            for (String stage : STAGES) {
                String bucket = copyOf(staged);
                Ftindex.Running finalize = ftindex.start(args(bucket, slow.endpoint(), "finalize", "--generation", "g2", "--base", "g1",
                        "--concurrency", "2", "--progress", "json"));
                String seen = finalize.awaitLine(line -> EndToEndSuite.stageStarted(line, stage), Duration.ofSeconds(60));
                assertThat(seen).as("reached %s\n%s", stage, finalize.stderrSoFar()).isNotNull();
                Thread.sleep(random.nextInt(30));
                if (finalize.alive()) {
                    killedIn.add(EndToEndSuite.lastStageStarted(finalize));
                    finalize.kill9();
                }

                Ftindex.Result rerun = ok(run(bucket, SERVER.endpoint(), "finalize", "--generation", "g2", "--base", "g1"));

                assertThat(rerun.json().path("indexId").asText()).as("killed in %s", stage).isEqualTo(metadata.indexId());
                Map<String, byte[]> state = committed(bucket);
                assertThat(state.keySet()).as("killed in %s", stage).isEqualTo(expected.keySet());
                state.forEach((key, bytes) -> assertThat(bytes).as("killed in %s: %s", stage, key).isEqualTo(expected.get(key)));
                try (ObjectStore store = store(bucket, COLLECTION + "generations/g2/")) {
                    assertThat(store.list(IndexLayout.STAGING)).as("killed in %s: staging removed", stage).isEmpty();
                }
                last = bucket;
            }
        }
        System.out.printf("append finalize kill -9: killed in stages %s%n", killedIn);
        assertThat(killedIn).as("most stages take longer than the kill's delay on a slow link").hasSizeGreaterThanOrEqualTo(5);

        String whole = SERVER.newBucket();
        ok(ftindex.run("build", "--index", "s3://" + whole + "/whole", "--endpoint", SERVER.endpoint().toString(), "--spec", spec.toString(),
                "--input", temp.resolve("in").toString(), "--workers", "2", "--threads", "1"));
        for (String query : List.of("index", "search partition", "lucene OR storage", "\"object storage\"", "commit -merge", "segm*")) {
            List<String> appended = hits(ok(ftindex.run("search", "--collection", "s3://" + last + "/c", "--generation", "g2", "--endpoint",
                    SERVER.endpoint().toString(), "--cache-dir", temp.resolve("cache").toString(), "--json", "--k", "30", query)));
            List<String> built = hits(ok(ftindex.run("search", "--index", "s3://" + whole + "/whole", "--endpoint",
                    SERVER.endpoint().toString(), "--cache-dir", temp.resolve("cache").toString(), "--json", "--k", "30", query)));
            assertThat(appended).as(query).isNotEmpty().isEqualTo(built);
        }
    }

    private Ftindex.Result run(String bucket, URI endpoint, String verb, String... rest) throws Exception {
        return ftindex.run(args(bucket, endpoint, verb, rest));
    }

    /** g2's objects outside staging/. */
    private static Map<String, byte[]> committed(String bucket) throws Exception {
        Map<String, byte[]> state = new TreeMap<>();
        try (ObjectStore store = store(bucket, COLLECTION + "generations/g2/")) {
            for (ObjectInfo object : store.list("")) {
                if (!object.key().startsWith(IndexLayout.STAGING)) {
                    state.put(object.key(), EndToEndSuite.read(store, object.key()));
                }
            }
        }
        return state;
    }

    private static List<String> hits(Ftindex.Result result) {
        List<String> hits = new ArrayList<>();
        result.json().path("hits").forEach(hit -> hits.add(hit.path("id").asText() + "=" + hit.path("score").asText()));
        return hits;
    }
}
