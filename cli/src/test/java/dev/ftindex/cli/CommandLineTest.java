package dev.ftindex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.worker.CheckpointInterval;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The ftindex command as users run it: arguments, JSON results, messages and exit codes. */
class CommandLineTest {
    @TempDir
    Path temp;

    private final CliRunner cli = new CliRunner();

    private Path spec() throws Exception {
        return Files.writeString(temp.resolve("spec.json"), """
                {"idField": "id",
                 "fields": {"title": {"type": "text", "stored": true, "analyzer": "english"},
                            "contents": {"type": "text"}, "year": {"type": "long", "stored": true},
                            "tags": {"type": "keyword", "stored": true}},
                 "defaultSearchFields": ["title", "contents"]}
                """);
    }

    @Test
    void everyVerbHasHelpWithExamplesAndExitCodes() {
        for (String verb : List.of("build-partition", "finalize", "status", "search", "verify", "build", "inspect")) {
            CliRunner.Run help = cli.run(verb, "--help");
            assertThat(help.exitCode()).isZero();
            assertThat(help.out()).contains("Usage: ftindex " + verb).contains("Examples:").contains("--index")
                    .contains("--endpoint").contains("Exit codes:").containsPattern("75 +transient storage failure")
                    .contains("[env FTINDEX_INDEX]");
        }
        CliRunner.Run overview = cli.run("--help");
        assertThat(overview.exitCode()).isZero();
        assertThat(overview.out()).contains("build-partition").contains("finalize").contains("verify");
    }

    /** Every option of every verb as it was before the command line moved to picocli, and the ones added since. */
    private static final Map<String, List<String>> OPTIONS = Map.ofEntries(
            Map.entry("build-partition", concat(List.of("--input", "--partition", "--partitions", "--checkpoint-every", "--threads", "--base"), INDEXING(), STORE(), OUTPUT())),
            Map.entry("build", concat(List.of("--input", "--workers", "--threads", "--search", "--k", "--cache-dir", "--base", "--upsert", "--delete",
                    "--strict-deletes"), INDEXING(), STORE(), OUTPUT())),
            Map.entry("finalize", concat(List.of("--expected-partitions", "--concurrency", "--allow-duplicate-ids", "--base", "--upsert",
                    "--delete", "--strict-deletes"), STORE(), OUTPUT())),
            Map.entry("status", concat(List.of("--expected-partitions", "--json"), STORE(), OUTPUT())),
            Map.entry("search", concat(List.of("--k", "--cache-dir", "--threads", "--json", "--from", "--highlight", "--queries", "--output", "--format", "--tag",
                    "--filter", "--sort", "--facet", "--after", "--query-timeout"),
                    READING(), STORE(), OUTPUT())),
            Map.entry("verify", concat(List.of("--deep", "--concurrency", "--work-dir"), STORE(), OUTPUT())),
            Map.entry("inspect", concat(List.of("--spec", "--json"), STORE(), OUTPUT())),
            Map.entry("publish", concat(List.of("--concurrency"), STORE(), OUTPUT())),
            Map.entry("rollback", concat(List.of("--concurrency"), STORE(), OUTPUT())),
            Map.entry("compact", concat(List.of("--base", "--partitions", "--partition", "--workers", "--segments", "--work-dir",
                    "--upload-concurrency", "--expunge-deletes-above"), STORE(), OUTPUT())),
            Map.entry("gc", concat(List.of("--grace", "--keep", "--remove-unpublished", "--delete"), STORE(), OUTPUT())),
            Map.entry("serve", concat(List.of("--host", "--port", "--poll", "--cache-dir", "--threads", "--max-concurrent", "--queue-timeout",
                    "--drain-timeout", "--query-timeout", "--partitions", "--shard", "--route", "--refresh", "--shard-timeout", "--hedge-percentile"),
                    READING(), STORE(),
                    OUTPUT())));

    private static List<String> READING() {
        return List.of("--fetch", "--cache-size", "--page-size");
    }

    private static List<String> INDEXING() {
        return List.of("--spec", "--ram-buffer-mb", "--segments", "--work-dir", "--upload-concurrency", "--skip-bad-records",
                "--allow-duplicate-ids", "--min-split-mb", "--max-split-mb");
    }

    private static List<String> STORE() {
        return List.of("--index", "--collection", "--generation", "--endpoint", "--region", "--path-style", "--virtual-host", "--profile", "--sse", "--sse-kms-key-id",
                "--max-attempts", "--allow-unsafe-overwrites");
    }

    private static List<String> OUTPUT() {
        return List.of("--result-file", "--progress", "--verbose", "--quiet", "--help");
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        return java.util.Arrays.stream(lists).flatMap(List::stream).toList();
    }

    @Test
    void everyVerbHasExactlyTheOptionsItHadAndTheirEnvironmentDefaults() {
        Cli cli = new Cli(System.out, System.err, Map.of(), false);
        Map<String, List<String>> actual = Cli.optionsByVerb(cli.commandLine());

        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(OPTIONS.keySet());
        OPTIONS.forEach((verb, options) -> assertThat(actual.get(verb)).as(verb).containsExactlyInAnyOrderElementsOf(options));
        var partition = cli.commandLine().getSubcommands().get("build-partition").getCommandSpec().findOption("--partition");
        assertThat(Cli.variables(partition)).containsExactly("FTINDEX_PARTITION", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX",
                "CLOUD_RUN_TASK_INDEX");
        var workDir = cli.commandLine().getSubcommands().get("build").getCommandSpec().findOption("--work-dir");
        assertThat(Cli.variables(workDir)).containsExactly("FTINDEX_WORK_DIR");
        var serve = cli.commandLine().getSubcommands().get("serve").getCommandSpec();
        assertThat(Cli.variables(serve.findOption("--shard"))).containsExactly("FTINDEX_SHARD");
        assertThat(Cli.variables(serve.findOption("--route"))).containsExactly("FTINDEX_ROUTE");
    }

    @Test
    void serveRefusesSeveralNodeOptionsThatDoNotGoTogether() {
        CliRunner.Run both = cli.run("serve", "--index", temp.resolve("idx").toString(), "--partitions", "0-1", "--shard", "0/2");
        assertThat(both.exitCode()).as(both.toString()).isEqualTo(2);
        assertThat(both.err()).contains("--partitions or --shard");
        CliRunner.Run routedShard = cli.run("serve", "--route", "http://127.0.0.1:1", "--shard", "0/2");
        assertThat(routedShard.exitCode()).as(routedShard.toString()).isEqualTo(2);
        assertThat(routedShard.err()).contains("a router serves no partitions");
        CliRunner.Run routerOption = cli.run("serve", "--index", temp.resolve("idx").toString(), "--hedge-percentile", "90");
        assertThat(routerOption.exitCode()).isEqualTo(2);
        assertThat(routerOption.err()).contains("give them with --route");
        CliRunner.Run badShard = cli.run("serve", "--index", temp.resolve("idx").toString(), "--shard", "two/3");
        assertThat(badShard.exitCode()).isEqualTo(2);
        assertThat(badShard.err()).contains("'two/3'");
        CliRunner.Run badRoute = cli.run("serve", "--route", "shard-0:8080");
        assertThat(badRoute.exitCode()).isEqualTo(2);
        assertThat(badRoute.err()).contains("'shard-0:8080'");
    }

    @Test
    void aCommandLineBuiltForOneVerbParsesAndHelpsExactlyAsTheFullOne() {
        Cli cli = new Cli(System.out, System.err, Map.of("FTINDEX_WORK_DIR", "/from/the/environment"), false);
        CommandLine full = cli.commandLine();
        for (String verb : full.getSubcommands().keySet()) {
            CommandLine alone = cli.commandLine(List.of(verb));
            if (verb.equals("help")) {
                // help names other verbs, so it gets them all
                assertThat(alone.getSubcommands().keySet()).containsExactlyElementsOf(full.getSubcommands().keySet());
                continue;
            }
            assertThat(alone.getSubcommands().keySet()).as(verb).containsExactly(verb);
            assertThat(alone.getSubcommands().get(verb).getUsageMessage()).as(verb).isEqualTo(full.getSubcommands().get(verb).getUsageMessage());
        }
        // Settings made on the top command reach a verb added to it: the environment's defaults.
        CommandLine build = cli.commandLine(List.of("build"));
        build.parseArgs("build", "--index", "./idx");
        assertThat(build.getSubcommands().get("build").getCommandSpec().findOption("--work-dir").getValue().toString())
                .isEqualTo("/from/the/environment");
        assertThat(cli.commandLine(List.of("no-such-verb")).getSubcommands().keySet()).containsExactlyElementsOf(full.getSubcommands().keySet());
    }

    @Test
    void optionsAcceptBothSpellingsAndRepeatedInputs() throws Exception {
        Path a = TestDocuments.write(temp.resolve("a.jsonl"), TestDocuments.lines(0, 10, 1));
        Path b = TestDocuments.write(temp.resolve("b.jsonl"), TestDocuments.lines(10, 10, 1));
        Path c = TestDocuments.write(temp.resolve("c.jsonl"), TestDocuments.lines(20, 10, 1));

        CliRunner.Run run = cli.run("build-partition", "--index=" + temp.resolve("idx"), "--input", a.toString(), b.toString(),
                "--input=" + c, "--partition", "0", "--progress=none");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.json().get("docs").asLong()).isEqualTo(30);
        CliRunner.Run twice = cli.run("finalize", "--index", temp.resolve("idx").toString(), "--concurrency", "2", "--concurrency", "3");
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.err()).contains("--concurrency").contains("should be specified only once");
        CliRunner.Run version = cli.run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("ftindex ").contains("Lucene 10.");
        assertThat(cli.run("version").out()).isEqualTo(version.out());
        CliRunner.Run none = cli.run();
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("Verbs:").contains("build-partition");
        CliRunner.Run help = cli.run("help", "finalize");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: ftindex finalize");
    }

    @Test
    void usageErrorsExitWithTwoAndSayWhatIsWrong() {
        CliRunner.Run unknownVerb = cli.run("finalise", "--index", "x");
        assertThat(unknownVerb.exitCode()).isEqualTo(2);
        assertThat(unknownVerb.err()).contains("unknown verb 'finalise'");

        CliRunner.Run typo = cli.run("finalize", "--index", temp.toString(), "--expected-partition", "3");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.err()).contains("unknown option --expected-partition").contains("did you mean --expected-partitions?");
        assertThat(typo.json().get("error").get("kind").asText()).isEqualTo("usage");

        CliRunner.Run missingIndex = cli.run("status");
        assertThat(missingIndex.exitCode()).isEqualTo(2);
        assertThat(missingIndex.err()).contains("--index is required");

        CliRunner.Run badScheme = cli.run("status", "--index", "gs://bucket/x");
        assertThat(badScheme.exitCode()).isEqualTo(2);
        assertThat(badScheme.err()).contains("unsupported scheme 'gs'");

        CliRunner.Run badPartition = cli.run("build-partition", "--index", temp.toString(), "--input", "x.jsonl",
                "--partition", "9", "--partitions", "4");
        assertThat(badPartition.exitCode()).isEqualTo(2);
        assertThat(badPartition.err()).contains("partition 9 is outside 0..3");
    }

    @Test
    void anInvalidSpecExitsWithTwoNamingTheField() throws Exception {
        Path bad = Files.writeString(temp.resolve("bad.json"), "{\"idField\": \"id\", \"fields\": {\"year\": {\"type\": \"integer\"}}}");
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 3, 1));

        CliRunner.Run run = cli.run("build-partition", "--index", temp.resolve("idx").toString(), "--spec", bad.toString(),
                "--input", input.toString(), "--partition", "0");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(bad.toString()).contains("unknown field type 'integer'").contains("fields.year");
        assertThat(run.json().get("error").get("kind").asText()).isEqualTo("invalid-spec");
    }

    @Test
    void everyBadInputCaseExitsWithThreeNamingInputAndLine() throws Exception {
        String good = TestDocuments.lines(0, 1, 1).getFirst();
        Path gz = TestDocuments.write(temp.resolve("whole.jsonl.gz"), TestDocuments.lines(0, 2_000, 2));
        byte[] gzBytes = Files.readAllBytes(gz);
        Path truncated = Files.write(temp.resolve("truncated.jsonl.gz"), Arrays.copyOf(gzBytes, gzBytes.length / 2));
        Path utf8 = temp.resolve("utf8.jsonl");
        try (OutputStream out = Files.newOutputStream(utf8)) {
            out.write((good + "\n").getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xff, '"', '}', '\n'});
        }
        record Case(Path input, String message) {}
        List<Case> cases = List.of(
                new Case(TestDocuments.write(temp.resolve("malformed.jsonl"), List.of(good, "{\"id\": \"x\", ")), "malformed.jsonl:2: invalid JSON"),
                new Case(TestDocuments.write(temp.resolve("noid.jsonl"), List.of(good, good, "{\"title\": \"t\"}")), "noid.jsonl:3: missing id field 'id'"),
                new Case(TestDocuments.write(temp.resolve("type.jsonl"), List.of("{\"id\": \"a\", \"year\": \"MMXX\"}")),
                        "type.jsonl:1: field 'year' is long: expected an integer, found a string"),
                new Case(utf8, "utf8.jsonl:2: invalid JSON: Invalid UTF-8"),
                new Case(truncated, "truncated.jsonl.gz: truncated or corrupt gzip data"));
        for (Case bad : cases) {
            Path index = temp.resolve("idx-" + bad.input().getFileName());
            CliRunner.Run run = cli.run("build-partition", "--index", index.toString(), "--spec", spec().toString(),
                    "--input", bad.input().toString(), "--partition", "0");

            assertThat(run.exitCode()).as(bad.message()).isEqualTo(3);
            assertThat(run.err()).as(bad.message()).contains(bad.message());
            JsonNode error = run.json().get("error");
            assertThat(error.get("kind").asText()).isEqualTo("bad-input");
            assertThat(error.get("message").asText()).contains(bad.message());
            assertThat(Files.exists(index.resolve("staging"))).as("nothing staged for " + bad.message()).isFalse();
        }
    }

    @Test
    void skippedBadRecordsAreCountedInTheResult() throws Exception {
        String good = TestDocuments.lines(0, 1, 1).getFirst();
        Path input = TestDocuments.write(temp.resolve("mixed.jsonl"), List.of(good, "oops", good.replace("doc-0", "doc-1"), "{}"));

        CliRunner.Run run = cli.run("build-partition", "--index", temp.resolve("idx").toString(), "--spec", spec().toString(),
                "--input", input.toString(), "--partition", "0", "--skip-bad-records");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode result = run.json();
        assertThat(result.get("docs").asLong()).isEqualTo(2);
        assertThat(result.get("skipped").get("count").asLong()).isEqualTo(2);
        assertThat(result.get("skipped").get("first").get(0).asText()).contains("mixed.jsonl:2");
        assertThat(run.err()).contains("skipped 2 bad records");
    }

    @Test
    void theWorkerPartitionComesFromTheOrchestratorsVariables() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 100, 1));
        Path index = temp.resolve("idx");

        CliRunner.Run run = new CliRunner().env("JOB_COMPLETION_INDEX", "2").env("FTINDEX_PARTITIONS", "3")
                .run("build-partition", "--index", index.toString(), "--input", input.toString(), "--min-split-mb", "0.001");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.json().get("partition").asInt()).isEqualTo(2);
        assertThat(Files.exists(index.resolve("staging/part_2.json"))).isTrue();
        CliRunner.Run missing = cli.run("build-partition", "--index", index.toString(), "--input", input.toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--partition is required").contains("JOB_COMPLETION_INDEX");
    }

    @Test
    void statusIsRightBeforeStagingWhileStagingWithAFrozenPlanAndAfterCommit() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 600, 1));
        Path indexDir = temp.resolve("idx");
        String index = indexDir.toString();

        JsonNode empty = status(index);
        assertThat(empty.get("committed").asBoolean()).isFalse();
        assertThat(empty.get("partitions").asInt()).isZero();
        assertThat(empty.get("docs").asLong()).isZero();
        assertThat(empty.get("staged")).isEmpty();
        assertThat(empty.get("expectedPartitions").isNull()).isTrue();
        assertThat(empty.get("missing")).isEmpty();
        assertThat(empty.get("plan").isNull()).isTrue();
        assertThat(empty.get("orphanAttempts")).isEmpty();
        assertThat(empty.get("stagingObjects").asInt()).isZero();

        for (int p : new int[] {0, 2}) {
            assertThat(cli.run("build-partition", "--index", index, "--spec", spec().toString(), "--input", input.toString(),
                    "--partition", String.valueOf(p), "--partitions", "4", "--min-split-mb", "0.01").exitCode()).isZero();
        }
        // An attempt that died after uploading one file, before its manifest.
        ObjectStore store = ObjectStores.local(indexDir);
        store.put(IndexLayout.stagedFileKey(1, "20260101T000000Z-dead000001", "_0.cfs"), Payload.of(new byte[100]));

        JsonNode staging = status(index);
        assertThat(staging.get("committed").asBoolean()).isFalse();
        assertThat(staging.get("partitions").asInt()).isEqualTo(2);
        assertThat(staging.get("staged")).extracting(node -> node.get("partition").asLong()).containsExactly(0L, 2L);
        assertThat(staging.get("staged").get(0).get("attempt").asText()).matches("\\d{8}T\\d{6}Z-[0-9a-f]{10}");
        assertThat(staging.get("staged").get(0).get("docs").asLong() + staging.get("staged").get(1).get("docs").asLong())
                .isEqualTo(staging.get("docs").asLong()).isPositive();
        assertThat(staging.get("expectedPartitions").asInt()).isEqualTo(4);
        assertThat(staging.get("expectedFrom").asText()).isEqualTo("manifests");
        assertThat(staging.get("missing")).extracting(JsonNode::asLong).containsExactly(1L, 3L);
        assertThat(staging.get("plan").isNull()).isTrue();
        assertThat(staging.get("orphanAttempts")).singleElement().satisfies(orphan -> {
            assertThat(orphan.get("partition").asLong()).isEqualTo(1);
            assertThat(orphan.get("attempt").asText()).isEqualTo("20260101T000000Z-dead000001");
            assertThat(orphan.get("files").asInt()).isEqualTo(1);
            assertThat(orphan.get("bytes").asLong()).isEqualTo(100);
        });
        CliRunner.Run missing = cli.run("finalize", "--index", index);
        assertThat(missing.exitCode()).isEqualTo(4);
        assertThat(missing.json().get("error").get("missingPartitions")).extracting(JsonNode::asLong).containsExactly(1L, 3L);

        // Freeze a plan over what is staged, as a finalizer told to expect 2 would.
        for (int p : new int[] {1, 3}) {
            cli.run("build-partition", "--index", index, "--spec", spec().toString(), "--input", input.toString(),
                    "--partition", String.valueOf(p), "--partitions", "4", "--min-split-mb", "0.01");
        }
        var manifests = new ArrayList<dev.ftindex.format.PartitionManifest>();
        for (int p = 0; p < 4; p++) {
            manifests.add(dev.ftindex.format.StoredJson.read(store, IndexLayout.manifestKey(p), dev.ftindex.format.PartitionManifest.class));
        }
        var plan = dev.ftindex.format.FinalizePlan.create(manifests.subList(0, 3), 4, dev.ftindex.format.CountSource.FLAG);
        store.putIfAbsent(IndexLayout.PLAN, Payload.of(dev.ftindex.format.Json.writeChecksummed(plan)));

        JsonNode frozen = status(index);
        assertThat(frozen.get("plan").get("indexId").asText()).isEqualTo(plan.indexId());
        assertThat(frozen.get("plan").get("partitions").asInt()).isEqualTo(3);
        assertThat(frozen.get("unplannedPartitions")).extracting(JsonNode::asLong).containsExactly(3L);
        assertThat(frozen.get("missing")).isEmpty();
        assertThat(cli.run("status", "--index", index).out()).contains("frozen as index " + plan.indexId());

        CliRunner.Run finalized = cli.run("finalize", "--index", index);
        assertThat(finalized.exitCode()).as(finalized.toString()).isZero();
        assertThat(finalized.json().get("unplannedPartitions")).extracting(JsonNode::asLong).containsExactly(3L);

        JsonNode committed = status(index);
        assertThat(committed.get("committed").asBoolean()).isTrue();
        assertThat(committed.get("indexId").asText()).isEqualTo(plan.indexId());
        assertThat(committed.get("partitions").asInt()).isEqualTo(3);
        assertThat(committed.get("docs").asLong()).isEqualTo(plan.docCount());
        assertThat(committed.get("bytes").asLong()).isEqualTo(plan.bytes());
        assertThat(committed.get("stagingObjects").asInt()).isZero();
        assertThat(cli.run("status", "--index", index).out()).contains("state:       committed").contains(plan.indexId());
    }

    private JsonNode status(String index) {
        CliRunner.Run run = cli.run("status", "--index", index, "--json");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode json = run.json();
        assertThat(json.get("verb").asText()).isEqualTo("status");
        return json;
    }

    @Test
    void finalizeExitCodesForConflictAndCorruption() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 200, 1));
        Path other = Files.writeString(temp.resolve("other.json"), "{\"idField\": \"id\", \"fields\": {\"title\": {\"type\": \"text\"}}}");
        String index = temp.resolve("conflict").toString();
        cli.run("build-partition", "--index", index, "--spec", spec().toString(), "--input", input.toString(), "--partition", "0", "--partitions", "2");
        cli.run("build-partition", "--index", index, "--spec", other.toString(), "--input", input.toString(), "--partition", "1", "--partitions", "2");

        CliRunner.Run conflict = cli.run("finalize", "--index", index);
        assertThat(conflict.exitCode()).isEqualTo(5);
        assertThat(conflict.err()).contains("different index specs");

        String corrupt = temp.resolve("corrupt").toString();
        Files.createDirectories(Path.of(corrupt));
        Files.writeString(Path.of(corrupt, "metadata.lance"), "{\"format\": \"ftin");
        CliRunner.Run unreadable = cli.run("finalize", "--index", corrupt);
        assertThat(unreadable.exitCode()).isEqualTo(6);
        assertThat(unreadable.err()).contains("metadata.lance").contains("observed size 16 bytes");
        assertThat(Files.readString(Path.of(corrupt, "metadata.lance"))).isEqualTo("{\"format\": \"ftin");

        CliRunner.Run notCommitted = cli.run("search", "--index", index, "anything");
        assertThat(notCommitted.exitCode()).isEqualTo(4);
        assertThat(notCommitted.err()).contains("not a committed index");
    }

    @Test
    void searchAndVerifyThroughTheCommand() throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 1_000, 1));
        String index = temp.resolve("idx").toString();
        CliRunner.Run build = cli.run("build", "--index", index, "--spec", spec().toString(), "--input", input.toString(),
                "--workers", "3", "--min-split-mb", "0.01", "--search", "lucene index", "--k", "5", "--cache-dir", temp.resolve("cache").toString());
        assertThat(build.exitCode()).as(build.toString()).isZero();
        JsonNode built = build.json();
        assertThat(built.get("status").asText()).isEqualTo("committed");
        assertThat(built.get("partitions").asInt()).isEqualTo(3);
        assertThat(built.get("docs").asLong()).isEqualTo(1_000);
        assertThat(built.get("search").get("hits")).hasSize(5);
        // The three workers share the process's buffer (the launcher sizes the heap for one).
        assertThat(built.get("ramBufferMbPerWorker").asDouble()).isEqualTo(256.0 / 3);

        CliRunner.Run small = cli.run("build", "--index", temp.resolve("idx-small").toString(), "--spec", spec().toString(), "--input",
                input.toString(), "--workers", "2", "--ram-buffer-mb", "64", "--min-split-mb", "0.01");
        assertThat(small.exitCode()).as(small.toString()).isZero();
        assertThat(small.json().get("ramBufferMbPerWorker").asDouble()).isEqualTo(32.0);

        CliRunner.Run text = cli.run("search", "--index", index, "--cache-dir", temp.resolve("cache").toString(), "--k", "3", "lucene", "index");
        assertThat(text.exitCode()).isZero();
        assertThat(text.out()).contains("hits for lucene index").contains("  1. doc-").contains("title:");

        CliRunner.Run syntax = cli.run("search", "--index", index, "--cache-dir", temp.resolve("cache").toString(), "title:(unclosed");
        assertThat(syntax.exitCode()).isEqualTo(2);
        assertThat(syntax.err()).contains("cannot parse the query 'title:(unclosed'");

        CliRunner.Run sound = cli.run("verify", "--index", index, "--deep");
        assertThat(sound.exitCode()).as(sound.toString()).isZero();
        assertThat(sound.json().get("status").asText()).isEqualTo("ok");

        ObjectStore store = ObjectStores.local(Path.of(index));
        List<String> damaged = new ArrayList<>();
        for (String[] pick : new String[][] {{"part_0/", "segments_"}, {"part_2/", ".cfs"}}) {
            String key = store.list(pick[0]).stream().map(dev.ftindex.objectstore.ObjectInfo::key)
                    .filter(k -> k.contains(pick[1])).findFirst().orElseThrow();
            byte[] bytes;
            try (ObjectStream stream = store.get(key)) {
                bytes = stream.readAllRemaining();
            }
            store.put(key, Payload.of(Arrays.copyOf(bytes, bytes.length - 3)));
            damaged.add(key);
        }
        CliRunner.Run corrupt = cli.run("verify", "--index", index);
        assertThat(corrupt.exitCode()).isEqualTo(6);
        JsonNode problems = corrupt.json().get("problems");
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0).asText()).contains(damaged.get(0));
        assertThat(problems.get(1).asText()).contains(damaged.get(1));
        assertThat(corrupt.err()).contains("corrupt: ").contains(damaged.get(0)).contains(damaged.get(1));
    }

    @Test
    void theResultFileGetsTheJsonToo() throws Exception {
        Path file = temp.resolve("out/result.json");

        CliRunner.Run run = cli.run("status", "--index", temp.resolve("none").toString(), "--json", "--result-file", file.toString());

        assertThat(run.exitCode()).isZero();
        assertThat(Files.readString(file).strip()).isEqualTo(run.out().strip());
    }

    @Test
    void aCheckpointIntervalPrintsAsTheOptionTakesIt() {
        for (String text : List.of("auto", "off", "200ms", "1500ms", "30s", "5m", "2h")) {
            assertThat(BuildPartitionCommand.checkpointInterval(text).toString()).isEqualTo(text);
        }
        assertThat(BuildPartitionCommand.checkpointInterval("300s").toString()).isEqualTo("5m");
        assertThat(BuildPartitionCommand.checkpointInterval("never")).isEqualTo(CheckpointInterval.OFF);
        for (Duration duration : List.of(Duration.ofMillis(50), Duration.ofSeconds(90), Duration.ofHours(3))) {
            CheckpointInterval interval = CheckpointInterval.every(duration);
            assertThat(BuildPartitionCommand.checkpointInterval(interval.toString())).isEqualTo(interval);
        }
    }

    @Test
    void aCheckpointIntervalThatIsNoDurationIsAUsageError() {
        CliRunner.Run run = cli.run("build-partition", "--index", temp.resolve("idx").toString(), "--input", temp.toString(),
                "--partition", "0", "--checkpoint-every", "soon");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--checkpoint-every").contains("soon");
    }
}
