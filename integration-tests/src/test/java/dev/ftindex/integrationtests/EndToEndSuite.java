package dev.ftindex.integrationtests;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.FaultyHttpProxy.Fault;
import dev.ftindex.objectstore.testing.FaultyHttpProxy;
import dev.ftindex.search.testing.ReferenceIndex.Scored;
import dev.ftindex.search.testing.ReferenceIndex;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped command, as users run it: every step is a separate `ftindex` process (JVM) against
 * a real S3 server. Every test ends with a committed index that `ftindex verify --deep` accepts
 * and whose search results equal, bit for bit, those of one Lucene index of the same documents.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EndToEndSuite {
    static final int DOCS = 3_000;
    static final int PARTITIONS = 3;
    static final List<String> QUERIES = List.of("lucene storage", "\"object storage\" OR title:river");
    static final List<String> STAGES = List.of("checking", "planning", "copying", "verifying", "committing", "cleaning");

    abstract S3Target target();

    S3Target s3;
    Ftindex ftindex;
    List<String> lines;
    Path shared;
    Path spec;
    Path inputs;
    ReferenceIndex reference;

    @TempDir
    Path temp;

    @BeforeAll
    void setUp() throws Exception {
        s3 = target();
        ftindex = new Ftindex(Map.of("AWS_ACCESS_KEY_ID", s3.accessKey(), "AWS_SECRET_ACCESS_KEY", s3.secretKey(),
                "AWS_REGION", s3.region()));
        shared = Files.createTempDirectory("ftindex-e2e-");
        lines = TestDocuments.lines(0, DOCS, 6);
        spec = Files.write(shared.resolve("spec.json"), Json.write(TestDocuments.spec()));
        inputs = shared.resolve("docs");
        TestDocuments.write(inputs.resolve("docs-0.jsonl"), lines.subList(0, 1_000));
        TestDocuments.write(inputs.resolve("docs-1.jsonl"), lines.subList(1_000, 2_000));
        TestDocuments.write(inputs.resolve("docs-2.jsonl.gz"), lines.subList(2_000, 3_000));
        reference = new ReferenceIndex(TestDocuments.spec(), lines, shared.resolve("reference"));
    }

    @AfterAll
    void tearDown() throws IOException {
        reference.close();
        try (var paths = Files.walk(shared)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** Each check searches through a cache of its own, so that every check fetches and verifies. */
    private int cacheRounds;

    // --- The cases -------------------------------------------------------------------------

    @Test
    void happyPath_parallelWorkerProcessesFinalizeStatusSearch() throws Exception {
        String bucket = s3.newBucket();
        try (ObjectStore docs = s3.store(bucket, "")) {
            for (Path file : Files.list(inputs).sorted().toList()) {
                docs.put("input/" + file.getFileName(), Payload.of(file));
            }
        }
        List<Ftindex.Running> workers = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            workers.add(ftindex.start(args("build-partition", bucket, "--spec", spec.toString(), "--input", "s3://" + bucket + "/input/",
                    "--partition", String.valueOf(p), "--partitions", String.valueOf(PARTITIONS), "--min-split-mb", "0.05", "--threads", "1")));
        }
        long staged = 0;
        for (Ftindex.Running worker : workers) {
            Ftindex.Result result = worker.await();
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.json().get("status").asText()).isEqualTo("staged");
            staged += result.json().get("docs").asLong();
        }
        assertThat(staged).isEqualTo(DOCS);

        JsonNode before = ok(ftindex.run(args("status", bucket, "--json", "--expected-partitions", "3"))).json();
        assertThat(before.get("committed").asBoolean()).isFalse();
        assertThat(before.get("partitions").asInt()).isEqualTo(PARTITIONS);
        assertThat(before.get("missing")).isEmpty();

        JsonNode finalized = ok(ftindex.run(args("finalize", bucket, "--expected-partitions", "3"))).json();
        assertThat(finalized.get("status").asText()).isEqualTo("committed");
        assertThat(finalized.get("docs").asLong()).isEqualTo(DOCS);
        assertThat(finalized.get("requests").get("bytesRead").asLong()).as("copies are server-side")
                .isLessThan(finalized.get("bytes").asLong() / 10);

        assertCommittedAndCorrect(bucket);
    }

    @Test
    void kill9_finalizerAtTwentyFourPointsCoveringEveryStage() throws Exception {
        String staged = s3.newBucket();
        stage(staged, s3.endpoint());
        Map<String, byte[]> expected = undisturbedCommit(staged);
        Random random = new Random(20261121);
        Set<String> killedIn = new TreeSet<>();
        int kills = 0;
        String last = null;
        try (FaultyHttpProxy slow = FaultyHttpProxy.start(s3.endpoint(), request -> Fault.NONE, Set.of(), Duration.ofMillis(60), 7)) {
            for (int round = 0; round < 24; round++) {
                String bucket = copyOf(staged);
                String target = STAGES.get(round % STAGES.size());
                Ftindex.Running finalize = ftindex.start(args("finalize", bucket, slow.endpoint(), "--progress", "json", "--concurrency", "2"));
                String seen = finalize.awaitLine(line -> stageStarted(line, target), Duration.ofSeconds(60));
                if (seen != null) {
                    Thread.sleep(random.nextInt(40));
                }
                if (finalize.alive()) {
                    String stage = lastStageStarted(finalize);
                    finalize.kill9();
                    kills++;
                    killedIn.add(stage);
                }
                Ftindex.Result rerun = ok(ftindex.run(args("finalize", bucket)));
                assertThat(rerun.json().get("indexId").asText()).isEqualTo(indexId(expected));
                assertThat(committedState(bucket)).as("round %d (target %s)", round, target).isEqualTo(expected);
                assertStagingEmpty(bucket);
                last = bucket;
            }
        }
        System.out.printf("finalizer kill -9: %d kills in 24 rounds, in stages %s%n", kills, killedIn);
        assertThat(kills).isGreaterThanOrEqualTo(20);
        assertThat(killedIn).containsAll(STAGES);
        assertCommittedAndCorrect(last);
    }

    @Test
    void kill9_workersMidIndexingAndMidUpload() throws Exception {
        int partitions = 6;
        List<String> big = TestDocuments.lines(0, 60_000, 8);
        Path input = TestDocuments.write(temp.resolve("big/docs.jsonl"), big);
        String bucket = s3.newBucket();
        Random random = new Random(99);
        int kills = 0;
        try (FaultyHttpProxy slow = FaultyHttpProxy.start(s3.endpoint(), request -> Fault.NONE, Set.of(), Duration.ofMillis(400), 3)) {
            // Partitions 0-2 are killed while indexing, 3-5 while uploading (through a slow link).
            for (int partition = 0; partition < partitions; partition++) {
                boolean upload = partition >= 3;
                URI endpoint = upload ? slow.endpoint() : s3.endpoint();
                String[] worker = args("build-partition", bucket, endpoint, "--spec", spec.toString(), "--input", input.toString(),
                        "--partition", String.valueOf(partition), "--partitions", String.valueOf(partitions), "--min-split-mb", "0.5",
                        "--threads", "1");
                Ftindex.Running running = ftindex.start(concat(worker, "--progress", "json"));
                String stage = upload ? "uploading" : "indexing";
                String seen = running.awaitLine(line -> stageStarted(line, stage), Duration.ofSeconds(120));
                assertThat(seen).as("partition %d reached %s", partition, stage).isNotNull();
                Thread.sleep(upload ? random.nextInt(300) : 100 + random.nextInt(300));
                assertThat(running.alive()).as("partition %d still %s", partition, stage).isTrue();
                assertThat(lastStageStarted(running)).isEqualTo(stage);
                running.kill9();
                kills++;
                try (ObjectStore store = s3.store(bucket, "idx/")) {
                    assertThat(store.list(IndexLayout.manifestKey(partition))).as("no manifest after a kill in %s", stage).isEmpty();
                }
                Ftindex.Result rerun = ok(ftindex.run(args("build-partition", bucket, "--spec", spec.toString(), "--input", input.toString(),
                        "--partition", String.valueOf(partition), "--partitions", String.valueOf(partitions), "--min-split-mb", "0.5")));
                assertThat(rerun.json().get("status").asText()).isEqualTo("staged");
            }
        }
        assertThat(kills).isEqualTo(partitions);
        JsonNode finalized = ok(ftindex.run(args("finalize", bucket))).json();
        assertThat(finalized.get("docs").asLong()).isEqualTo(big.size());
        assertStagingEmpty(bucket);
        try (ReferenceIndex bigReference = new ReferenceIndex(TestDocuments.spec(), big, temp.resolve("big-reference"))) {
            assertCommittedAndCorrect(bucket, bigReference, big.size());
        }
    }

    static String[] concat(String[] first, String... more) {
        String[] all = Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void concurrency_threeFinalizerProcessesAtOnce() throws Exception {
        String staged = s3.newBucket();
        stage(staged, s3.endpoint());
        Map<String, byte[]> expected = undisturbedCommit(staged);
        String last = null;
        for (int round = 0; round < 3; round++) {
            String bucket = copyOf(staged);
            List<Ftindex.Running> finalizers = new ArrayList<>();
            for (int f = 0; f < 3; f++) {
                finalizers.add(ftindex.start(args("finalize", bucket, "--concurrency", "4")));
            }
            List<JsonNode> results = new ArrayList<>();
            for (Ftindex.Running finalizer : finalizers) {
                results.add(ok(finalizer.await()).json());
            }
            assertThat(results).extracting(r -> r.get("indexId").asText()).containsOnly(indexId(expected));
            assertThat(results).filteredOn(r -> r.get("status").asText().equals("committed")).hasSize(1);
            assertThat(committedState(bucket)).as("round %d", round).isEqualTo(expected);
            assertStagingEmpty(bucket);
            last = bucket;
        }
        assertCommittedAndCorrect(last);
    }

    @Test
    void concurrency_twoProcessesOfOneWorkerPartitionAtOnce() throws Exception {
        String last = null;
        for (int round = 0; round < 2; round++) {
            String bucket = s3.newBucket();
            List<Ftindex.Running> twins = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                twins.add(ftindex.start(workerArgs(bucket, s3.endpoint(), 1)));
            }
            stagePartitions(bucket, s3.endpoint(), 0, 2);
            List<JsonNode> results = new ArrayList<>();
            for (Ftindex.Running twin : twins) {
                results.add(ok(twin.await()).json());
            }
            assertThat(results).extracting(r -> r.get("status").asText()).contains("staged")
                    .filteredOn(status -> !status.equals("staged")).singleElement().isIn("lost-race", "already-staged");
            String winner = results.stream().filter(r -> r.get("status").asText().equals("staged")).findFirst().orElseThrow()
                    .get("attempt").asText();
            try (ObjectStore store = s3.store(bucket, "idx/")) {
                assertThat(store.list("staging/part_1/")).isNotEmpty()
                        .allSatisfy(object -> assertThat(object.key()).startsWith(IndexLayout.attemptPrefix(1, winner)));
            }
            ok(ftindex.run(args("finalize", bucket, "--expected-partitions", "3")));
            last = bucket;
        }
        assertCommittedAndCorrect(last);
    }

    @Test
    void concurrency_zombieAttemptStillUploadingAfterStagingAndAfterCommit() throws Exception {
        for (boolean afterCommit : new boolean[] {false, true}) {
            String bucket = s3.newBucket();
            CountDownLatch blocked = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // The zombie's uploads hang (a partitioned network, a frozen VM) until released.
            try (FaultyHttpProxy frozen = FaultyHttpProxy.start(s3.endpoint(), request -> {
                if (request.method().equals("PUT") && request.target().contains("/staging/part_0/attempt_")) {
                    blocked.countDown();
                    try {
                        release.await(180, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return Fault.NONE;
            })) {
                Ftindex.Running zombie = ftindex.start(workerArgs(bucket, frozen.endpoint(), 0));
                assertThat(blocked.await(120, TimeUnit.SECONDS)).as("the zombie reached its upload").isTrue();
                stagePartitions(bucket, s3.endpoint(), 0, 1, 2);
                Map<String, byte[]> committed = null;
                if (afterCommit) {
                    ok(ftindex.run(args("finalize", bucket, "--expected-partitions", "3")));
                    committed = committedState(bucket);
                }
                release.countDown();
                Ftindex.Result late = zombie.await();

                assertThat(late.exitCode()).as(late.toString()).isZero();
                assertThat(late.json().get("status").asText()).isEqualTo("lost-race");
                if (afterCommit) {
                    assertThat(committedState(bucket)).as("the commit is untouched by the zombie").isEqualTo(committed);
                    assertStagingEmpty(bucket);
                } else {
                    try (ObjectStore store = s3.store(bucket, "idx/")) {
                        String winner = winnerAttempt(store);
                        assertThat(store.list("staging/part_0/")).as("only the winner's files are staged").isNotEmpty()
                                .allSatisfy(o -> assertThat(o.key()).startsWith(IndexLayout.attemptPrefix(0, winner)));
                    }
                    ok(ftindex.run(args("finalize", bucket, "--expected-partitions", "3")));
                }
            }
            assertCommittedAndCorrect(bucket);
        }
    }

    @Test
    void flakyStore_slowDownResetsAndLatencyAreRetried() throws Exception {
        String bucket = s3.newBucket();
        Random random = new Random(5);
        FaultyHttpProxy.Rule faults = request -> {
            double draw;
            synchronized (random) {
                draw = random.nextDouble();
            }
            if (draw < 0.05) {
                return Fault.SLOW_DOWN;
            }
            if (draw < 0.08) {
                return Fault.RESET;
            }
            if (draw < 0.10) {
                return Fault.RESET_AFTER_FORWARD;
            }
            return Fault.NONE;
        };
        long retries = 0;
        try (FaultyHttpProxy flaky = FaultyHttpProxy.start(s3.endpoint(), faults, Set.of(), Duration.ofMillis(10), 11)) {
            List<Ftindex.Running> workers = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                workers.add(ftindex.start(workerArgs(bucket, flaky.endpoint(), p)));
            }
            for (Ftindex.Running worker : workers) {
                retries += ok(worker.await()).json().get("requests").get("retries").asLong();
            }
            JsonNode finalized = ok(ftindex.run(args("finalize", bucket, flaky.endpoint(), "--expected-partitions", "3"))).json();
            retries += finalized.get("requests").get("retries").asLong();
            assertThat(finalized.get("status").asText()).isEqualTo("committed");
            System.out.printf("flaky store: injected %d SlowDown, %d resets, %d resets after forwarding, of %d requests%n",
                    flaky.injected(Fault.SLOW_DOWN), flaky.injected(Fault.RESET), flaky.injected(Fault.RESET_AFTER_FORWARD), flaky.requests().size());
            assertThat(flaky.injected(Fault.SLOW_DOWN) + flaky.injected(Fault.RESET) + flaky.injected(Fault.RESET_AFTER_FORWARD)).isPositive();
        }
        System.out.printf("flaky store: %d retries reported by the commands%n", retries);
        assertThat(retries).as("retries show in the results").isPositive();
        assertCommittedAndCorrect(bucket);
    }

    @Test
    void corruption_finalFilesMetadataAndStagedFilesAreDetectedByName() throws Exception {
        String bucket = s3.newBucket();
        stage(bucket, s3.endpoint());
        ok(ftindex.run(args("finalize", bucket)));
        try (ObjectStore store = s3.store(bucket, "idx/")) {
            String cfs = store.list("part_1/").stream().map(ObjectInfo::key).filter(k -> k.endsWith(".cfs")).findFirst().orElseThrow();
            byte[] original = read(store, cfs);

            // A truncated final file, then a flipped bit: verify and a fresh search name it, exit 6.
            for (byte[] damaged : List.of(Arrays.copyOf(original, original.length - 100), flip(original, original.length / 2))) {
                store.put(cfs, Payload.of(damaged));
                Ftindex.Result verify = ftindex.run(args("verify", bucket));
                assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(6);
                assertThat(verify.json().get("problems")).singleElement().satisfies(p -> assertThat(p.asText()).contains(cfs));
                Ftindex.Result search = ftindex.run(args("search", bucket, "--cache-dir", temp.resolve("cache-" + cacheRounds++).toString(), "lucene"));
                assertThat(search.exitCode()).as(search.toString()).isEqualTo(6);
                assertThat(search.err()).contains(cfs);
                assertThat(read(store, cfs)).as("nothing repaired or overwritten it").isEqualTo(damaged);
            }
            store.put(cfs, Payload.of(original));

            // A truncated metadata.lance: every command that meets it says so, and it stays as it is.
            byte[] metadata = read(store, IndexLayout.METADATA);
            byte[] truncated = Arrays.copyOf(metadata, metadata.length / 2);
            store.put(IndexLayout.METADATA, Payload.of(truncated));
            for (String verb : List.of("finalize", "status", "search", "verify")) {
                List<String> extra = verb.equals("search") ? List.of("--cache-dir", temp.resolve("cache-m").toString(), "lucene") : List.of();
                Ftindex.Result result = ftindex.run(args(verb, bucket, extra.toArray(String[]::new)));
                assertThat(result.exitCode()).as(result.toString()).isEqualTo(6);
                assertThat(result.err()).contains("metadata.lance").contains("observed size " + truncated.length + " bytes");
                assertThat(read(store, IndexLayout.METADATA)).isEqualTo(truncated);
            }
            store.put(IndexLayout.METADATA, Payload.of(metadata));
        }
        assertCommittedAndCorrect(bucket);

        // A staged file changed after its manifest was written: finalize refuses to commit it.
        String second = s3.newBucket();
        stage(second, s3.endpoint());
        try (ObjectStore store = s3.store(second, "idx/")) {
            String staged = store.list("staging/part_2/").stream().map(ObjectInfo::key).filter(k -> k.endsWith(".cfs")).findFirst().orElseThrow();
            byte[] original = read(store, staged);
            store.put(staged, Payload.of(flip(original, original.length - 3)));

            Ftindex.Result finalize = ftindex.run(args("finalize", second));
            assertThat(finalize.exitCode()).as(finalize.toString()).isEqualTo(6);
            assertThat(finalize.err()).contains("part_2/").contains(staged).contains("staged file changed after its manifest");
            assertThat(store.list(IndexLayout.METADATA)).as("nothing committed").isEmpty();

            store.put(staged, Payload.of(original));
        }
        ok(ftindex.run(args("finalize", second)));
        assertCommittedAndCorrect(second);
    }

    @Test
    void badInputAndConfiguration_clearMessagesAndExitCodes() throws Exception {
        String bucket = s3.newBucket();
        String good = lines.getFirst();
        Path gz = TestDocuments.write(temp.resolve("whole.jsonl.gz"), lines);
        byte[] gzBytes = Files.readAllBytes(gz);
        Path utf8 = temp.resolve("utf8.jsonl");
        try (OutputStream out = Files.newOutputStream(utf8)) {
            out.write((good + "\n").getBytes(UTF_8));
            out.write(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xfe, '"', '}', '\n'});
        }
        Map<Path, String> badInputs = new java.util.LinkedHashMap<>();
        badInputs.put(TestDocuments.write(temp.resolve("malformed.jsonl"), List.of(good, "{\"id\": ")), "malformed.jsonl:2: invalid JSON");
        badInputs.put(TestDocuments.write(temp.resolve("noid.jsonl"), List.of("{\"title\": \"x\"}")), "noid.jsonl:1: missing id field 'id'");
        badInputs.put(TestDocuments.write(temp.resolve("type.jsonl"), List.of(good, "{\"id\": \"a\", \"year\": 1.5}")),
                "type.jsonl:2: field 'year' is long: expected an integer, found a decimal number");
        badInputs.put(utf8, "utf8.jsonl:2: invalid JSON: Invalid UTF-8");
        badInputs.put(Files.write(temp.resolve("cut.jsonl.gz"), Arrays.copyOf(gzBytes, gzBytes.length / 3)), "cut.jsonl.gz: truncated or corrupt gzip data");
        for (Map.Entry<Path, String> bad : badInputs.entrySet()) {
            Ftindex.Result result = ftindex.run(args("build-partition", bucket, "--spec", spec.toString(), "--input", bad.getKey().toString(),
                    "--partition", "0"));
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(3);
            assertThat(result.err()).contains(bad.getValue());
            assertThat(result.json().get("error").get("kind").asText()).isEqualTo("bad-input");
        }
        try (ObjectStore store = s3.store(bucket, "idx/")) {
            assertThat(store.list("")).as("a failed worker stages nothing").isEmpty();
        }

        Path invalidSpec = Files.writeString(temp.resolve("invalid.json"), "{\"idField\": \"id\", \"fields\": {\"t\": {\"type\": \"text\", \"analyzer\": \"nope\"}}}");
        Ftindex.Result spec2 = ftindex.run(args("build-partition", bucket, "--spec", invalidSpec.toString(), "--input", inputs.toString(), "--partition", "0"));
        assertThat(spec2.exitCode()).isEqualTo(2);
        assertThat(spec2.err()).contains(invalidSpec.toString()).contains("field 't': unknown analyzer 'nope'");

        Ftindex.Result unknownBucket = ftindex.run("status", "--index", "s3://no-such-bucket-e2e/idx", "--endpoint", s3.endpoint().toString());
        assertThat(unknownBucket.exitCode()).as(unknownBucket.toString()).isEqualTo(2);
        assertThat(unknownBucket.err()).contains("s3://no-such-bucket-e2e/idx/").contains("bucket does not exist");

        if (s3.checksCredentials()) {
            String secret = "definitely-wrong-secret-4711";
            Ftindex.Result wrong = ftindex.run(Map.of("AWS_SECRET_ACCESS_KEY", secret), args("status", bucket));
            assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(2);
            assertThat(wrong.err()).contains("access denied");
            assertThat(wrong.out() + wrong.err()).doesNotContain(secret);
        }

        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Ftindex.Result unreachable = ftindex.run("finalize", "--index", "s3://" + bucket + "/idx", "--endpoint", "http://127.0.0.1:" + closedPort,
                "--max-attempts", "2");
        assertThat(unreachable.exitCode()).as(unreachable.toString()).isEqualTo(75);
        assertThat(unreachable.err()).contains("cannot reach the store");

        stagePartitions(bucket, s3.endpoint(), 0, 2);
        Ftindex.Result missing = ftindex.run(args("finalize", bucket, "--expected-partitions", "3"));
        assertThat(missing.exitCode()).isEqualTo(4);
        assertThat(missing.err()).contains("2 of 3 partitions are staged").contains("missing partition ids: [1]");
        assertThat(missing.json().get("error").get("missingPartitions")).extracting(JsonNode::asLong).containsExactly(1L);

        stagePartitions(bucket, s3.endpoint(), 1);
        ok(ftindex.run(args("finalize", bucket, "--expected-partitions", "3")));
        assertCommittedAndCorrect(bucket);
    }

    // --- Helpers ---------------------------------------------------------------------------

    /**
     * Ids in two partitions of one build (here: a directory holding a copy of a file) are refused
     * by the finalizer before anything is committed, naming ids, partitions and input files, for
     * {@code build} and for separate worker processes and {@code finalize}; {@code build} removes
     * what it staged, so that the same build converges once the copy is gone; with
     * {@code --allow-duplicate-ids} both copies are committed and counted.
     */
    @Test
    void duplicates_acrossPartitionsAreRefusedBeforeTheCommitUnlessAllowed() throws Exception {
        String bucket = s3.newBucket();
        Path input = temp.resolve("dup-input");
        Path original = TestDocuments.write(input.resolve("docs-0.jsonl"), lines.subList(0, 1_000));
        Path copy = Files.createDirectories(input.resolve("backup")).resolve("docs-0.jsonl");
        Files.copy(original, copy);

        Ftindex.Result refused = ftindex.run(args("build", bucket, "--spec", spec.toString(), "--input", input.toString(), "--workers", "2",
                "--threads", "1"));
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
        assertThat(refused.err()).contains("look like copies of one file").contains(copy + " and " + original)
                .contains("1000 ids occur in more than one partition").contains("\"doc-0\" in partition 0 (input ")
                .contains("and 990 more").contains("removed what it staged");
        assertThat(refused.json().get("error").get("kind").asText()).isEqualTo("bad-input");
        try (ObjectStore store = s3.store(bucket, "idx/")) {
            assertThat(store.list("")).as("nothing committed, the build's staging removed").isEmpty();
        }
        Files.delete(copy);
        JsonNode built = ok(ftindex.run(args("build", bucket, "--spec", spec.toString(), "--input", input.toString(), "--workers", "2",
                "--threads", "1"))).json();
        assertThat(built.get("docs").asLong()).as("the same build converges once the copy is gone").isEqualTo(1_000);
        try (ReferenceIndex fixed = new ReferenceIndex(TestDocuments.spec(), lines.subList(0, 1_000), temp.resolve("dup-reference"))) {
            assertCommittedAndCorrect(bucket, fixed, 1_000);
        }

        // Separate workers, each given one of two inputs that share 500 ids, then finalize.
        String workers = s3.newBucket();
        Path first = TestDocuments.write(temp.resolve("dup-a.jsonl"), lines.subList(0, 1_000));
        Path second = TestDocuments.write(temp.resolve("dup-b.jsonl"), lines.subList(500, 1_500));
        List<Ftindex.Running> running = new ArrayList<>();
        List<Path> perWorker = List.of(first, second);
        for (int p = 0; p < 2; p++) {
            running.add(ftindex.start(args("build-partition", workers, "--spec", spec.toString(), "--input", perWorker.get(p).toString(),
                    "--partition", String.valueOf(p), "--threads", "1")));
        }
        for (Ftindex.Running worker : running) {
            ok(worker.await());
        }
        Ftindex.Result finalize = ftindex.run(args("finalize", workers, "--expected-partitions", "2"));
        assertThat(finalize.exitCode()).as(finalize.toString()).isEqualTo(3);
        assertThat(finalize.err()).contains("500 ids occur in more than one partition")
                .contains("\"doc-500\" in partition 0 (input " + first + ") and partition 1 (input " + second + ")")
                .contains("--allow-duplicate-ids");
        JsonNode waiting = ok(ftindex.run(args("status", workers, "--json"))).json();
        assertThat(waiting.get("committed").asBoolean()).isFalse();
        assertThat(waiting.get("plan").isNull()).as("no plan frozen").isTrue();

        JsonNode allowed = ok(ftindex.run(args("finalize", workers, "--expected-partitions", "2", "--allow-duplicate-ids"))).json();
        assertThat(allowed.get("docs").asLong()).isEqualTo(2_000);
        assertThat(allowed.get("crossDuplicateIds").asLong()).isEqualTo(500);
        assertThat(allowed.get("idCheck").get("duplicates").asLong()).isEqualTo(500);
        JsonNode status = ok(ftindex.run(args("status", workers, "--json"))).json();
        assertThat(status.get("duplicateIds").get("acrossPartitions").asLong()).isEqualTo(500);
        assertThat(ok(ftindex.run(args("status", workers))).out()).contains("duplicates:  500 ids in more than one partition");
        JsonNode both = ok(ftindex.run(args("search", workers, "--json", "--cache-dir", temp.resolve("dup-cache").toString(), "id:doc-700"))).json();
        assertThat(both.get("totalHits").asLong()).as("both records of a duplicate id are found").isEqualTo(2);
    }

    String[] args(String verb, String bucket, String... extra) {
        return args(verb, bucket, s3.endpoint(), extra);
    }

    String[] args(String verb, String bucket, URI endpoint, String... extra) {
        List<String> all = new ArrayList<>(List.of(verb, "--index", "s3://" + bucket + "/idx", "--endpoint", endpoint.toString()));
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }

    String[] workerArgs(String bucket, URI endpoint, int partition) {
        return args("build-partition", bucket, endpoint, "--spec", spec.toString(), "--input", inputs.toString(),
                "--partition", String.valueOf(partition), "--partitions", String.valueOf(PARTITIONS), "--min-split-mb", "0.05", "--threads", "1");
    }

    void stage(String bucket, URI endpoint) throws InterruptedException {
        stagePartitions(bucket, endpoint, 0, 1, 2);
    }

    void stagePartitions(String bucket, URI endpoint, int... partitions) throws InterruptedException {
        List<Ftindex.Running> workers = new ArrayList<>();
        for (int p : partitions) {
            workers.add(ftindex.start(workerArgs(bucket, endpoint, p)));
        }
        for (Ftindex.Running worker : workers) {
            ok(worker.await());
        }
    }

    @Test
    void collection_buildPublishServeSwapAndDrainOnSigterm() throws Exception {
        String bucket = s3.newBucket();
        String collection = "s3://" + bucket + "/products";
        String endpoint = s3.endpoint().toString();
        for (String generation : List.of("g1", "g2")) {
            ok(ftindex.run("build", "--collection", collection, "--generation", generation, "--endpoint", endpoint, "--spec", spec.toString(),
                    "--input", inputs.toString(), "--workers", "2", "--threads", "1"));
        }
        ok(ftindex.run("publish", "--collection", collection, "--generation", "g1", "--endpoint", endpoint));
        Path cache = temp.resolve("serve-cache");
        Ftindex.Running server = ftindex.start("serve", "--collection", collection, "--endpoint", endpoint, "--host", "127.0.0.1", "--port", "0",
                "--poll", "200ms", "--cache-dir", cache.toString(), "--threads", "2");
        try {
            String listening = server.awaitLine(line -> line.contains("listening on http://127.0.0.1:"), Duration.ofSeconds(60));
            assertThat(listening).as(server.stderrSoFar()).isNotNull();
            int port = Integer.parseInt(listening.replaceAll(".*127\\.0\\.0\\.1:(\\d+)/.*", "$1"));
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            awaitServing(client, port, "g1");
            for (String query : QUERIES) {
                JsonNode served = get(client, port, "/search?q=" + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8)
                        + "&k=25");
                JsonNode printed = ok(ftindex.run("search", "--collection", collection, "--endpoint", endpoint, "--json", "--k", "25",
                        "--cache-dir", temp.resolve("cli-cache").toString(), query)).json();
                assertThat(served.path("hits")).as(query).isEqualTo(printed.path("hits"));
                assertThat(served.path("generation").asText()).isEqualTo(printed.path("generation").asText()).isEqualTo("g1");
                assertThat(served.path("totalHits")).isEqualTo(printed.path("totalHits"));
                List<Scored> scored = new ArrayList<>();
                served.path("hits").forEach(hit -> scored.add(Scored.of(hit.path("id").asText(), hit.path("score").floatValue())));
                assertThat(scored).as("the same hits as one index built on one machine").isEqualTo(reference.search(query, 25));
            }
            ok(ftindex.run("publish", "--collection", collection, "--generation", "g2", "--endpoint", endpoint));
            awaitServing(client, port, "g2");
            assertThat(get(client, port, "/search?q=lucene&k=3").path("generation").asText()).isEqualTo("g2");
        } finally {
            server.terminate();
        }
        Ftindex.Result stopped = server.await();
        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.json().path("status").asText()).as(stopped.toString()).isEqualTo("stopped");
        assertThat(Files.list(cache).map(p -> p.getFileName().toString()).toList()).as("the served generation stays cached for a restart")
                .hasSize(1);
    }

    private static JsonNode get(java.net.http.HttpClient client, int port, String path) throws Exception {
        var response = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    private static void awaitServing(java.net.http.HttpClient client, int port, String generation) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode health = null;
        while (System.nanoTime() < deadline) {
            health = get(client, port, "/health");
            if (health.path("serving").path("generation").asText("").equals(generation)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(generation + " was not served in time; /health: " + health);
    }

    static Ftindex.Result ok(Ftindex.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }

    /** Commits a copy of {@code staged} without disturbance and returns what it committed. */
    Map<String, byte[]> undisturbedCommit(String staged) throws Exception {
        String bucket = copyOf(staged);
        ok(ftindex.run(args("finalize", bucket)));
        return committedState(bucket);
    }

    /** A new bucket holding a copy of everything under idx/ in {@code source}. */
    String copyOf(String source) throws IOException {
        String bucket = s3.newBucket();
        try (ObjectStore from = s3.store(source, "idx/"); ObjectStore to = s3.store(bucket, "idx/")) {
            for (ObjectInfo object : from.list("")) {
                to.put(object.key(), Payload.of(read(from, object.key())));
            }
        }
        return bucket;
    }

    Map<String, byte[]> committedState(String bucket) throws IOException {
        Map<String, byte[]> state = new TreeMap<>();
        try (ObjectStore store = s3.store(bucket, "idx/")) {
            for (ObjectInfo object : store.list("")) {
                if (!object.key().startsWith(IndexLayout.STAGING)) {
                    state.put(object.key(), read(store, object.key()));
                }
            }
        }
        return new ComparableState(state);
    }

    void assertStagingEmpty(String bucket) {
        try (ObjectStore store = s3.store(bucket, "idx/")) {
            assertThat(store.list(IndexLayout.STAGING)).as("staging/ of " + bucket).isEmpty();
        }
    }

    static String indexId(Map<String, byte[]> state) {
        return Json.readChecksummed(state.get(IndexLayout.METADATA), IndexMetadata.class).indexId();
    }

    String winnerAttempt(ObjectStore store) {
        return dev.ftindex.format.StoredJson.read(store, IndexLayout.manifestKey(0), dev.ftindex.format.PartitionManifest.class).attempt();
    }

    /** Whether a stderr line is the progress event that {@code stage} started. */
    static boolean stageStarted(String line, String stage) {
        JsonNode event = progressEvent(line);
        return event != null && event.path("event").asText().equals("stage-start") && event.path("stage").asText().equals(stage);
    }

    private static JsonNode progressEvent(String line) {
        if (!line.startsWith("{")) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    /** The stage of the last stage-start event the process printed. */
    static String lastStageStarted(Ftindex.Running running) {
        String stage = "starting";
        for (String line : running.stderrSoFar().split("\n")) {
            JsonNode event = progressEvent(line);
            if (event != null && event.path("event").asText().equals("stage-start")) {
                stage = event.path("stage").asText();
            }
        }
        return stage;
    }

    void assertCommittedAndCorrect(String bucket) throws Exception {
        assertCommittedAndCorrect(bucket, reference, DOCS);
    }

    /** verify --deep, status, and search results equal to one Lucene index of the same documents. */
    void assertCommittedAndCorrect(String bucket, ReferenceIndex expected, long docs) throws Exception {
        JsonNode verified = ok(ftindex.run(args("verify", bucket, "--deep"))).json();
        assertThat(verified.get("status").asText()).isEqualTo("ok");
        JsonNode status = ok(ftindex.run(args("status", bucket, "--json"))).json();
        assertThat(status.get("committed").asBoolean()).isTrue();
        assertThat(status.get("docs").asLong()).isEqualTo(docs);
        try (ObjectStore store = s3.store(bucket, "idx/")) {
            IndexMetadata metadata = dev.ftindex.format.StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class);
            assertThat(metadata.files()).noneMatch(file -> file.key().startsWith(IndexLayout.STAGING));
        }
        Path cache = temp.resolve("check-cache-" + cacheRounds++);
        for (String query : QUERIES) {
            JsonNode result = ok(ftindex.run(args("search", bucket, "--json", "--k", "25", "--cache-dir", cache.toString(), query))).json();
            List<Scored> hits = new ArrayList<>();
            for (JsonNode hit : result.get("hits")) {
                hits.add(Scored.of(hit.get("id").asText(), Float.parseFloat(hit.get("score").toString())));
            }
            assertThat(hits).as(query).isNotEmpty().isEqualTo(expected.search(query, 25));
        }
    }

    static byte[] read(ObjectStore store, String key) throws IOException {
        try (ObjectStream stream = store.get(key)) {
            return stream.readAllRemaining();
        }
    }

    static byte[] flip(byte[] bytes, int at) {
        byte[] copy = bytes.clone();
        copy[at] ^= 0x20;
        return copy;
    }

    /** A key-to-bytes map that compares its values by content, for assertions. */
    static final class ComparableState extends TreeMap<String, byte[]> {
        ComparableState(Map<String, byte[]> state) {
            super(state);
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof Map<?, ?> map) || !keySet().equals(map.keySet())) {
                return false;
            }
            for (Map.Entry<String, byte[]> entry : entrySet()) {
                if (!(map.get(entry.getKey()) instanceof byte[] bytes) || !Arrays.equals(entry.getValue(), bytes)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return keySet().hashCode();
        }

        @Override
        public String toString() {
            Map<String, Integer> sizes = new HashMap<>();
            forEach((key, bytes) -> sizes.put(key, bytes.length));
            return new TreeMap<>(sizes).toString();
        }
    }
}
