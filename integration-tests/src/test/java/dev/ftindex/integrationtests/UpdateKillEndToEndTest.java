package dev.ftindex.integrationtests;

import static dev.ftindex.integrationtests.S3Collections.args;
import static dev.ftindex.integrationtests.S3Collections.copyOf;
import static dev.ftindex.integrationtests.S3Collections.ok;
import static dev.ftindex.integrationtests.S3Collections.store;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.FinalizePlan;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.Json;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.FaultyHttpProxy;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.search.testing.ReferenceIndex;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An update's finalize ({@code ftindex finalize --base g1 --upsert --delete FILE}) killed with
 * SIGKILL in each of its stages, on S3Proxy through a slow link, then run again: it commits, with
 * the plan frozen before the kill if there was one, and a staged deletion reused; nothing of the
 * base changes (every object's bytes, before and after); g1 and g2 verify in full; g2 answers as
 * one Lucene index fed the same operations. And a delete file of ten million lines is streamed in
 * a 64 MiB heap.
 */
class UpdateKillEndToEndTest {
    private static final S3ProxyServer SERVER = S3Collections.SERVER;
    private static final List<String> STAGES = List.of("checking", "planning", "checking ids", "deleting", "copying", "verifying",
            "committing", "cleaning");
    private static final String COLLECTION = S3Collections.COLLECTION;
    private static final List<String> QUERIES = List.of("index", "search partition", "lucene OR storage", "\"object storage\"",
            "commit -merge", "segm*", "year:[1960 TO 1980] AND memory");

    @TempDir
    Path temp;

    private final Ftindex ftindex = S3Collections.ftindex();

    @Test
    void anUpdatesFinalizeKilledInEachStageCommitsOnRerunAndNeverTouchesTheBase() throws Exception {
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        List<String> base = TestDocuments.lines(0, 2_000, 71);
        List<String> added = new ArrayList<>();
        for (int i = 0; i < 2_000; i += 10) {
            added.addAll(TestDocuments.lines(i, 1, 5_000 + i));
        }
        added.addAll(TestDocuments.lines(2_000, 800, 72));
        List<String> deletes = new ArrayList<>();
        for (int i = 5; i < 2_000; i += 20) {
            deletes.add("doc-" + i);
        }
        Path deleteFile = Files.write(temp.resolve("deletes.txt"), deletes);
        String staged = SERVER.newBucket();
        ok(run(staged, SERVER.endpoint(), "build", "--generation", "g1", "--spec", spec.toString(), "--input",
                TestDocuments.write(temp.resolve("in/base.jsonl"), base).toString(), "--workers", "3", "--threads", "1"));
        Path fresh = TestDocuments.write(temp.resolve("in/new.jsonl"), added);
        for (int partition = 0; partition < 2; partition++) {
            ok(run(staged, SERVER.endpoint(), "build-partition", "--generation", "g2", "--base", "g1", "--input", fresh.toString(),
                    "--partition", String.valueOf(partition), "--partitions", "2", "--threads", "1", "--min-split-mb", "0.05"));
        }
        Map<String, String> g1 = digests(staged, "generations/g1/");
        String[] update = {"--base", "g1", "--upsert", "--delete", deleteFile.toString()};

        String undisturbed = copyOf(staged);
        JsonNode expected = ok(run(undisturbed, SERVER.endpoint(), "finalize", concat(List.of("--generation", "g2"), update))).json();
        long deletedDocs = expected.path("deletedDocs").asLong();
        assertThat(deletedDocs).as("200 replaced, 100 deleted").isEqualTo(300);

        try (ReferenceIndex reference = ReferenceIndex.updated(TestDocuments.spec(), base, deletes, added, true, temp.resolve("reference"))) {
            Map<String, List<String>> answers = answers(undisturbed, reference, QUERIES);
            // After each kill, three of them (every search is a JVM start).
            List<String> spot = QUERIES.subList(0, 3);
            Map<String, List<String>> spotAnswers = new TreeMap<>(answers);
            spotAnswers.keySet().retainAll(spot);
            Random random = new Random(29);
            TreeSet<String> killedIn = new TreeSet<>();
            try (FaultyHttpProxy slow = FaultyHttpProxy.start(SERVER.endpoint(), request -> FaultyHttpProxy.Fault.NONE, Set.of(),
                    Duration.ofMillis(60), 5)) {
                for (String stage : STAGES) {
                    String bucket = copyOf(staged);
                    Ftindex.Running finalize = ftindex.start(args(bucket, slow.endpoint(), "finalize",
                            concat(List.of("--generation", "g2", "--concurrency", "2", "--progress", "json"), update)));
                    String seen = finalize.awaitLine(line -> EndToEndSuite.stageStarted(line, stage), Duration.ofSeconds(60));
                    assertThat(seen).as("reached %s\n%s", stage, finalize.stderrSoFar()).isNotNull();
                    Thread.sleep(random.nextInt(30));
                    if (finalize.alive()) {
                        killedIn.add(EndToEndSuite.lastStageStarted(finalize));
                        finalize.kill9();
                    }
                    Optional<FinalizePlan> frozen;
                    try (ObjectStore g2 = store(bucket, COLLECTION + "generations/g2/")) {
                        frozen = StoredJson.readIfExists(g2, IndexLayout.PLAN, FinalizePlan.class);
                    }

                    JsonNode rerun = ok(run(bucket, SERVER.endpoint(), "finalize", concat(List.of("--generation", "g2"), update))).json();

                    frozen.ifPresent(plan -> assertThat(rerun.path("indexId").asText()).as("killed in %s: the frozen plan", stage)
                            .isEqualTo(plan.indexId()));
                    assertThat(rerun.path("deletedDocs").asLong()).as("killed in %s", stage).isEqualTo(deletedDocs);
                    assertThat(digests(bucket, "generations/g1/")).as("killed in %s: the base's objects", stage).isEqualTo(g1);
                    try (ObjectStore g2 = store(bucket, COLLECTION + "generations/g2/")) {
                        assertThat(g2.list(IndexLayout.STAGING)).as("killed in %s: staging removed", stage).isEmpty();
                    }
                    JsonNode verified = ok(run(bucket, SERVER.endpoint(), "verify", "--generation", "g2", "--deep")).json();
                    assertThat(verified.path("status").asText()).as("killed in %s", stage).isEqualTo("ok");
                    assertThat(answers(bucket, null, spot)).as("killed in %s: g2's answers", stage).isEqualTo(spotAnswers);
                }
            }
            System.out.printf("update finalize kill -9: killed in stages %s%n", killedIn);
            assertThat(killedIn).as("most stages take longer than the kill's delay on a slow link").hasSizeGreaterThanOrEqualTo(5);
        }
        JsonNode baseVerified = ok(run(staged, SERVER.endpoint(), "verify", "--generation", "g1", "--deep")).json();
        assertThat(baseVerified.path("status").asText()).isEqualTo("ok");
        assertThat(ok(run(staged, SERVER.endpoint(), "search", "--generation", "g1", "--json", "--cache-dir",
                temp.resolve("g1-cache").toString(), "id:doc-5")).json().path("hits")).hasSize(1);
    }

    @Test
    void aDeleteFileOfTenMillionLinesIsStreamedInASmallHeap() throws Exception {
        String bucket = SERVER.newBucket();
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        ok(run(bucket, SERVER.endpoint(), "build", "--generation", "g1", "--spec", spec.toString(), "--input",
                TestDocuments.write(temp.resolve("base.jsonl"), TestDocuments.lines(0, 300, 73)).toString(), "--workers", "2"));
        Path big = temp.resolve("deleted.txt.gz");
        try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(big), 1 << 16),
                StandardCharsets.UTF_8), 1 << 16)) {
            for (int i = 0; i < 10_000_000; i++) {
                out.write("gone-");
                out.write(Integer.toString(i));
                out.write('\n');
                if (i % 1_000_000 == 0) {
                    out.write("doc-" + i / 1_000_000 + "\n");
                }
            }
        }

        Ftindex.Result result = ok(ftindex.runInHeap("64m", args(bucket, SERVER.endpoint(), "finalize", "--generation", "g2", "--base", "g1",
                "--delete", big.toString())));

        assertThat(result.err()).contains("10,000,010 ids to delete (10,000,010 lines, 0 blank, 0 repeated)");
        JsonNode update = result.json().path("update");
        assertThat(update.path("deletedIds").asLong()).isEqualTo(10);
        assertThat(update.path("unknownDeletes").asLong()).isEqualTo(10_000_000);
        assertThat(update.path("unknownExamples")).hasSize(10);
        assertThat(result.json().path("deletedDocs").asLong()).isEqualTo(10);
    }

    /** Each query's hits (id and score) in g2 of {@code bucket}; with a reference, checked against it too. */
    private Map<String, List<String>> answers(String bucket, ReferenceIndex reference, List<String> queries) throws Exception {
        Map<String, List<String>> answers = new TreeMap<>();
        Path cache = Files.createTempDirectory(temp, "cache");
        for (String query : queries) {
            JsonNode result = ok(run(bucket, SERVER.endpoint(), "search", "--generation", "g2", "--json", "--k", "25", "--cache-dir",
                    cache.toString(), query)).json();
            List<String> hits = new ArrayList<>();
            result.path("hits").forEach(hit -> hits.add(hit.path("id").asText() + "=" + Float.parseFloat(hit.path("score").asText())));
            if (reference != null) {
                assertThat(hits).as(query).isNotEmpty().isEqualTo(reference.search(query, 25).stream()
                        .map(hit -> hit.id() + "=" + Float.intBitsToFloat(hit.scoreBits())).toList());
            }
            answers.put(query, hits);
        }
        return answers;
    }

    private static String[] concat(List<String> first, String... rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    private Ftindex.Result run(String bucket, URI endpoint, String verb, String... rest) throws Exception {
        return ftindex.run(args(bucket, endpoint, verb, rest));
    }

    /** Every object under {@code prefix} of the collection, by key, as a hash of its bytes. */
    private static Map<String, String> digests(String bucket, String prefix) throws Exception {
        Map<String, String> digests = new TreeMap<>();
        try (ObjectStore store = store(bucket, COLLECTION + prefix)) {
            for (ObjectInfo object : store.list("")) {
                digests.put(object.key(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(EndToEndSuite.read(store, object.key()))));
            }
        }
        return digests;
    }
}
