package dev.ftindex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.SearchRequest;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.testing.ReferenceIndex;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updates from the command line on S3 (S3Proxy): {@code build --base --upsert --delete} makes a
 * generation that answers 200 queries as one Lucene index fed the same operations, ids, score
 * bits and order; {@code compact} of it answers as a fresh build of the surviving documents, bit
 * for bit; gc removes the base once superseded and the updated generation verifies in full; a bad
 * delete file is refused naming the file and line.
 */
class UpdateCommandTest {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();
    private static final int BASE_DOCS = 1_500;

    @TempDir
    Path temp;

    private final CliRunner cli = new CliRunner();

    /** The command runs in this JVM: S3Proxy's credentials reach the AWS SDK's default chain as system properties. */
    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        System.setProperty("aws.region", "us-east-1");
    }

    private String[] args(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoint", SERVER.endpoint().toString()));
        return all.toArray(String[]::new);
    }

    private static ObjectStore store(String bucket, String prefix) {
        return ObjectStores.open(new StoreLocation.S3(bucket, prefix), S3ProxyServer.settings(SERVER.endpoint()).build(), Map.of());
    }

    @Test
    void anUpdateOnS3AnswersAsOneLuceneIndexFedTheSameOperationsAndItsCompactionAsAFreshBuild() throws Exception {
        String bucket = SERVER.newBucket();
        String collection = "s3://" + bucket + "/c";
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        List<String> base = TestDocuments.lines(0, BASE_DOCS, 51);
        cli.ok(args("build", "--collection", collection, "--generation", "g1", "--spec", spec.toString(), "--input",
                TestDocuments.write(temp.resolve("base.jsonl"), base).toString(), "--workers", "3", "--threads", "1", "--min-split-mb", "0.05"));

        // New versions of every 15th document, 200 new documents, and a gzipped delete list on S3 with blank lines, repeats and unknown ids.
        Map<String, String> survivors = new LinkedHashMap<>();
        base.forEach(line -> survivors.put(id(line), line));
        List<String> added = new ArrayList<>();
        for (int i = 0; i < BASE_DOCS; i += 15) {
            added.addAll(TestDocuments.lines(i, 1, 2_000 + i));
        }
        added.addAll(TestDocuments.lines(BASE_DOCS, 200, 52));
        List<String> deletes = new ArrayList<>();
        for (int i = 4; i < BASE_DOCS; i += 40) {
            deletes.add("doc-" + i);
        }
        deletes.forEach(survivors::remove);
        added.forEach(line -> survivors.put(id(line), line));
        StringBuilder file = new StringBuilder();
        for (String id : deletes) {
            file.append(id).append("\n\n  ").append(id).append("  \n");
        }
        file.append("doc-777777\nnot-a-document\n");
        try (ObjectStore inputs = store(bucket, "")) {
            inputs.put("nightly/deleted.txt.gz", Payload.of(gzip(file.toString())));
        }

        JsonNode built = cli.ok(args("build", "--collection", collection, "--generation", "g2", "--base", "g1", "--upsert", "--delete",
                "s3://" + bucket + "/nightly/deleted.txt.gz", "--input", TestDocuments.write(temp.resolve("changed.jsonl"), added).toString(),
                "--workers", "2", "--threads", "1")).json();
        JsonNode update = built.path("finalize").path("update");
        assertThat(update.path("replaced").asLong()).isEqualTo(100);
        assertThat(update.path("deletedIds").asLong()).isEqualTo(deletes.size());
        assertThat(update.path("deletedDocs").asLong()).isEqualTo(100 + deletes.size());
        assertThat(update.path("unknownDeletes").asLong()).isEqualTo(2);
        assertThat(built.path("deletedDocs").asLong()).isEqualTo(100 + deletes.size());
        String status = cli.ok(args("status", "--collection", collection, "--generation", "g2")).out();
        assertThat(status).contains("deleted:     " + (100 + deletes.size()) + " documents").contains("base partition 2");
        assertThat(cli.ok(args("status", "--collection", collection)).out()).contains("deleted: ");

        List<String> queries = TestDocuments.queries(200, 53);
        try (ReferenceIndex reference = ReferenceIndex.updated(TestDocuments.spec(), base, deletes, added, true, temp.resolve("reference"));
             ObjectStore g2 = store(bucket, "c/generations/g2/");
             CommittedIndex searched = CommittedIndex.open(g2, temp.resolve("cache"), 2, Progress.silent())) {
            assertSameAnswers(queries, reference, searched, "g2 against one Lucene index fed the same operations");
            // The command line's search says the same, reading the partitions where they lie (the live docs through the hotcache too).
            for (String query : queries.subList(0, 10)) {
                JsonNode hits = cli.ok(args("search", "--collection", collection, "--generation", "g2", "--fetch", "lazy", "--cache-dir",
                        temp.resolve("cli-cache").toString(), "--json", "--k", "20", query)).json();
                assertThat(rows(hits)).as(query).isEqualTo(rows(reference.search(query, 20)));
            }
        }

        cli.ok(args("compact", "--collection", collection, "--base", "g2", "--generation", "g2c", "--partitions", "2"));
        try (ObjectStore g2c = store(bucket, "c/generations/g2c/")) {
            IndexMetadata compacted = new IndexRoot(g2c).requireCommit().metadata();
            assertThat(compacted.deletedDocs()).isZero();
            assertThat(compacted.totals().docs()).isEqualTo(survivors.size());
        }
        try (ReferenceIndex fresh = new ReferenceIndex(TestDocuments.spec(), new ArrayList<>(survivors.values()), temp.resolve("fresh"));
             ObjectStore g2c = store(bucket, "c/generations/g2c/");
             CommittedIndex searched = CommittedIndex.open(g2c, temp.resolve("cache"), 2, Progress.silent())) {
            assertSameAnswers(queries, fresh, searched, "the compaction against a fresh build of the surviving documents");
        }

        // g1 superseded: gc removes it; g2, which holds copies of g1's partitions and its own commits of them, verifies in full.
        cli.ok(args("publish", "--collection", collection, "--generation", "g1"));
        cli.ok(args("publish", "--collection", collection, "--generation", "g2"));
        cli.ok(args("publish", "--collection", collection, "--generation", "g2c"));
        JsonNode gc = cli.ok(args("gc", "--collection", collection, "--delete", "--grace", "0s", "--keep", "0")).json();
        assertThat(gc.toString()).contains("g1");
        try (ObjectStore g1 = store(bucket, "c/generations/g1/")) {
            assertThat(g1.list("").stream().map(ObjectInfo::key).toList()).as("g1 removed").isEmpty();
        }
        JsonNode verified = cli.ok(args("verify", "--collection", collection, "--generation", "g2", "--deep")).json();
        assertThat(verified.path("status").asText()).isEqualTo("ok");
        assertThat(verified.path("problems")).isEmpty();
        assertThat(cli.ok(args("search", "--collection", collection, "--generation", "g2", "--cache-dir", temp.resolve("cache3").toString(),
                "--json", "id:doc-15 OR id:doc-4")).json().path("hits")).extracting(hit -> hit.path("id").asText()).containsExactly("doc-15");
    }

    @Test
    void aBadDeleteFileIsRefusedNamingFileAndLineAndNothingIsCommitted() throws Exception {
        String collection = temp.resolve("c").toString();
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        cli.ok("build", "--collection", collection, "--generation", "g1", "--spec", spec.toString(), "--input",
                TestDocuments.write(temp.resolve("base.jsonl"), TestDocuments.lines(0, 200, 61)).toString(), "--workers", "2");

        Path records = Files.writeString(temp.resolve("records.jsonl"), "doc-1\n{\"id\": \"doc-2\"}\n");
        CliRunner.Run json = cli.run("finalize", "--collection", collection, "--generation", "g2", "--base", "g1", "--delete", records.toString());
        assertThat(json.exitCode()).as(json.toString()).isEqualTo(3);
        assertThat(json.err()).contains("records.jsonl:2: a JSON record, not an id");

        Path quoted = Files.writeString(temp.resolve("quoted.txt"), "\"doc-1\"\n");
        assertThat(cli.run("finalize", "--collection", collection, "--generation", "g2", "--base", "g1", "--delete", quoted.toString()).err())
                .contains("quoted.txt:1: a quoted JSON string");

        Path binary = Files.write(temp.resolve("binary.txt"), new byte[] {'d', 'o', 'c', '\n', (byte) 0xC3, (byte) 0x28, '\n'});
        CliRunner.Run notText = cli.run("finalize", "--collection", collection, "--generation", "g2", "--base", "g1", "--delete", binary.toString());
        assertThat(notText.exitCode()).as(notText.toString()).isEqualTo(3);
        assertThat(notText.err()).contains("binary.txt:2: not UTF-8");

        CliRunner.Run missing = cli.run("finalize", "--collection", collection, "--generation", "g2", "--base", "g1", "--delete",
                temp.resolve("nowhere.txt").toString());
        assertThat(missing.exitCode()).as(missing.toString()).isNotZero();
        assertThat(missing.err()).contains("nowhere.txt");

        CliRunner.Run noBase = cli.run("finalize", "--collection", collection, "--generation", "g2", "--delete", records.toString());
        assertThat(noBase.exitCode()).isEqualTo(2);
        assertThat(noBase.err()).contains("give --base");

        Path unknown = Files.writeString(temp.resolve("unknown.txt"), "doc-1\ndoc-9999\n");
        CliRunner.Run strict = cli.run("finalize", "--collection", collection, "--generation", "g2", "--base", "g1", "--delete", unknown.toString(),
                "--strict-deletes");
        assertThat(strict.exitCode()).as(strict.toString()).isEqualTo(3);
        assertThat(strict.err()).contains("1 id(s) of the delete list").contains("doc-9999");
        assertThat(cli.run("status", "--collection", collection, "--generation", "g2").out()).contains("not committed");

        // Blank lines and repeats are passed over and counted; deletes alone make a generation of the base's partitions.
        Path messy = Files.writeString(temp.resolve("messy.txt"), "doc-1\n\n   \ndoc-1\ndoc-2\ndoc-9999\n");
        CliRunner.Run deleted = cli.ok("finalize", "--collection", collection, "--generation", "g2", "--base", "g1", "--delete", messy.toString());
        assertThat(deleted.err()).contains("3 ids to delete (6 lines, 2 blank, 1 repeated)").contains("1 ids to delete are not in the base");
        assertThat(deleted.json().path("deletedDocs").asLong()).isEqualTo(2);
        assertThat(deleted.json().path("docs").asLong()).isEqualTo(200);
        assertThat(cli.ok("search", "--collection", collection, "--generation", "g2", "--cache-dir", temp.resolve("cache").toString(), "--json",
                "id:doc-1 OR id:doc-3").json().path("hits")).extracting(hit -> hit.path("id").asText()).containsExactly("doc-3");
    }

    @Test
    void compactWithExpungeDeletesAboveRewritesOnlyThePartitionsOverTheShare() throws Exception {
        String collection = temp.resolve("c").toString();
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        List<String> base = TestDocuments.lines(0, 400, 62);
        cli.ok("build", "--collection", collection, "--generation", "g1", "--spec", spec.toString(), "--input",
                TestDocuments.write(temp.resolve("base.jsonl"), base).toString(), "--workers", "2", "--min-split-mb", "0.01");
        IndexMetadata g1 = metadata(collection, "g1");
        assertThat(g1.partitions()).hasSize(2);
        // A third of the first partition's documents, and two of the second's.
        List<String> first = ids(collection, "g1", 0);
        List<String> second = ids(collection, "g1", 1);
        List<String> deletes = new ArrayList<>(first.subList(0, first.size() / 3));
        deletes.addAll(second.subList(0, 2));
        Path list = Files.write(temp.resolve("deletes.txt"), deletes);
        cli.ok("finalize", "--collection", collection, "--generation", "g2", "--base", "g1", "--delete", list.toString());
        String status = cli.ok("status", "--collection", collection, "--generation", "g2").out();
        assertThat(status).contains("deleted:     " + deletes.size() + " documents").contains("(33.");

        CliRunner.Run refused = cli.run("compact", "--collection", collection, "--base", "g2", "--generation", "g3", "--partitions", "1",
                "--expunge-deletes-above", "0.2");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("leave --partitions out");
        CliRunner.Run compacted = cli.ok("compact", "--collection", collection, "--base", "g2", "--generation", "g3",
                "--expunge-deletes-above", "0.2");
        assertThat(compacted.err()).contains("base partition 1 kept as it is (1.0% deleted, not over 20.0%)");

        IndexMetadata g3 = metadata(collection, "g3");
        assertThat(g3.partitions()).hasSize(2);
        assertThat(g3.partitions().get(0).deletedDocs()).as("merged: its deletions expunged").isNull();
        assertThat(g3.partitions().get(0).docCount()).isEqualTo(first.size() - first.size() / 3);
        assertThat(g3.partitions().get(1).deletedDocs()).as("kept with its deletions").isEqualTo(2);
        assertThat(g3.partitions().get(1).files()).as("kept byte for byte").isEqualTo(metadata(collection, "g2").partitions().get(1).files());
        for (String query : TestDocuments.queries(30, 63)) {
            JsonNode before = cli.ok("search", "--collection", collection, "--generation", "g2", "--cache-dir", temp.resolve("cache").toString(),
                    "--json", "--k", "1000", query).json();
            JsonNode after = cli.ok("search", "--collection", collection, "--generation", "g3", "--cache-dir", temp.resolve("cache").toString(),
                    "--json", "--k", "1000", query).json();
            assertThat(ids(after)).as("the same live documents match %s", query).isEqualTo(ids(before));
        }
    }

    private static IndexMetadata metadata(String collection, String generation) {
        try (ObjectStore store = ObjectStores.local(Path.of(collection, "generations", generation))) {
            return new IndexRoot(store).requireCommit().metadata();
        }
    }

    /** The ids partition {@code n} of a generation holds, from its id list. */
    private static List<String> ids(String collection, String generation, int n) throws IOException {
        List<String> ids = new ArrayList<>();
        try (org.apache.lucene.store.FSDirectory directory = org.apache.lucene.store.FSDirectory.open(
                Path.of(collection, "generations", generation, "part_" + n));
             var reader = org.apache.lucene.index.DirectoryReader.open(directory)) {
            var stored = reader.storedFields();
            for (int doc = 0; doc < reader.maxDoc(); doc++) {
                ids.add(stored.document(doc).get("id"));
            }
        }
        return ids;
    }

    private static java.util.Set<String> ids(JsonNode result) {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        result.path("hits").forEach(hit -> ids.add(hit.path("id").asText()));
        return ids;
    }

    private static void assertSameAnswers(List<String> queries, ReferenceIndex reference, CommittedIndex searched, String what)
            throws IOException {
        int matched = 0;
        for (String query : queries) {
            List<String> expected = rows(reference.search(query, 20));
            SearchResult result = searched.search(SearchRequest.top(query, 20));
            assertThat(rows(result)).as("%s: %s", what, query).isEqualTo(expected);
            long total = reference.totalHits(query);
            if (total < 1_000) {
                assertThat(result.totalHits()).as("%s: total of %s", what, query).isEqualTo(total);
            }
            matched += expected.isEmpty() ? 0 : 1;
        }
        assertThat(matched).as("most queries match something").isGreaterThan(queries.size() * 3 / 4);
    }

    private static List<String> rows(List<ReferenceIndex.Scored> hits) {
        return hits.stream().map(hit -> hit.id() + "=" + Float.intBitsToFloat(hit.scoreBits())).toList();
    }

    private static List<String> rows(SearchResult result) {
        return result.hits().stream().map(hit -> hit.id() + "=" + hit.score()).toList();
    }

    private static List<String> rows(JsonNode result) {
        List<String> rows = new ArrayList<>();
        result.path("hits").forEach(hit -> rows.add(hit.path("id").asText() + "=" + Float.parseFloat(hit.path("score").asText())));
        return rows;
    }

    private static String id(String line) {
        try {
            return Json.MAPPER.readTree(line).path("id").asText();
        } catch (IOException e) {
            throw new IllegalArgumentException(line, e);
        }
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
