package dev.ftindex.integrationtests;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.testing.Tmpfs;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four defects a new user met with the shipped command (duplicate ids, compressed input by
 * content, a full work directory, a crafted metadata.lance), each run as the user runs it: the
 * jar as a separate process, on local directories.
 */
class NewUserDefectsEndToEndTest {
    @TempDir
    Path temp;

    Ftindex ftindex;
    Path spec;

    @BeforeEach
    void setUp() throws Exception {
        ftindex = new Ftindex(Map.of());
        spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
    }

    @Test
    void aFileWithOneIdTwiceExitsThreeNamingTheIdAndItsLines() throws Exception {
        String record = TestDocuments.lines(0, 1, 1).getFirst();
        Path input = TestDocuments.write(temp.resolve("twice.jsonl"), List.of(record, record));
        Path index = temp.resolve("index");

        Ftindex.Result failed = ftindex.run("build-partition", "--index", index.toString(), "--spec", spec.toString(),
                "--input", input.toString(), "--partition", "0");

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(3);
        assertThat(failed.err()).contains("\"doc-0\" at " + input + ":1, " + input + ":2").contains("--allow-duplicate-ids");
        assertThat(failed.json().get("error").get("kind").asText()).isEqualTo("bad-input");
        assertThat(index.resolve("staging")).as("nothing staged").doesNotExist();

        Ftindex.Result allowed = ftindex.run("build-partition", "--index", index.toString(), "--spec", spec.toString(),
                "--input", input.toString(), "--partition", "0", "--allow-duplicate-ids");
        assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
        assertThat(allowed.json().get("docs").asLong()).isEqualTo(2);
        assertThat(allowed.json().get("duplicates").get("ids").asLong()).isEqualTo(1);
    }

    @Test
    void aGzipFileNamedJsonlAndAZstdFileBuildAnIndex() throws Exception {
        List<String> lines = TestDocuments.lines(0, 600, 3);
        Path inputs = temp.resolve("in");
        Files.createDirectories(inputs);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(inputs.resolve("a.jsonl")))) {
            out.write((String.join("\n", lines.subList(0, 300)) + "\n").getBytes(UTF_8));
        }
        Files.write(inputs.resolve("b.jsonl.zst"), com.github.luben.zstd.Zstd.compress(
                (String.join("\n", lines.subList(300, 600)) + "\n").getBytes(UTF_8), 3));
        Path index = temp.resolve("index");

        Ftindex.Result built = ftindex.run("build", "--index", index.toString(), "--spec", spec.toString(), "--input", inputs.toString(),
                "--workers", "2", "--search", "lucene", "--cache-dir", temp.resolve("cache").toString());

        assertThat(built.exitCode()).as(built.toString()).isZero();
        assertThat(built.json().get("docs").asLong()).isEqualTo(600);
        assertThat(built.json().get("search").get("totalHits").asLong()).isPositive();

        Path xz = Files.write(temp.resolve("docs.jsonl"), new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, 1, 2, 3});
        Ftindex.Result refused = ftindex.run("build-partition", "--index", temp.resolve("other").toString(), "--input", xz.toString(),
                "--partition", "0");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
        assertThat(refused.err()).contains(xz + ": this is xz-compressed data");
    }

    @Test
    void aFullWorkDirectoryExitsSeventyFiveWithTheCauseInOneLine() throws Exception {
        Optional<Tmpfs> mounted = Tmpfs.mount(temp.resolve("small-work"), 512 * 1024);
        assumeTrue(mounted.isPresent(), "mounting a tmpfs needs root; skipped");
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 20_000, 5));
        try (Tmpfs work = mounted.get()) {
            Ftindex.Result full = ftindex.run("build-partition", "--index", temp.resolve("index").toString(), "--spec", spec.toString(),
                    "--input", input.toString(), "--partition", "0", "--work-dir", work.directory().toString(), "--threads", "2");

            assertThat(full.exitCode()).as(full.toString()).isEqualTo(75);
            List<String> failure = full.err().lines().filter(line -> line.contains("failed:")).toList();
            assertThat(failure).as(full.toString()).singleElement().satisfies(line -> assertThat(line)
                    .contains("the work directory " + work.directory() + " is full (")
                    .contains("free): No space left on device"));
            assertThat(full.err()).doesNotContain("IndexWriter is closed").doesNotContain("\tat ");
            assertThat(full.json().get("error").get("kind").asText()).isEqualTo("work-directory-full");
            assertThat(temp.resolve("index/staging")).as("nothing staged").doesNotExist();
            try (Stream<Path> left = Files.list(work.directory())) {
                assertThat(left).as("the work directory is removed").isEmpty();
            }
        }
    }

    @Test
    void aFullIndexRootExitsSeventyFive() throws Exception {
        Optional<Tmpfs> mounted = Tmpfs.mount(temp.resolve("small-root"), 64 * 1024);
        assumeTrue(mounted.isPresent(), "mounting a tmpfs needs root; skipped");
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 5_000, 5));
        try (Tmpfs root = mounted.get()) {
            Ftindex.Result full = ftindex.run("build-partition", "--index", root.directory().toString(), "--spec", spec.toString(),
                    "--input", input.toString(), "--partition", "0", "--work-dir", temp.resolve("work").toString());

            assertThat(full.exitCode()).as(full.toString()).isEqualTo(75);
            assertThat(full.err()).contains("No space left on device");
            assertThat(root.directory().resolve(IndexLayout.manifestKey(0))).as("nothing staged").doesNotExist();
        }
    }

    @Test
    void aMetadataLanceWithATraversingIndexIdIsRefusedAndNothingIsCreatedOutsideTheCache() throws Exception {
        Path index = temp.resolve("index");
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 200, 5));
        assertThat(ftindex.run("build", "--index", index.toString(), "--spec", spec.toString(), "--input", input.toString(),
                "--workers", "1").exitCode()).isZero();
        Path metadata = index.resolve(IndexLayout.METADATA);
        ObjectNode tree = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(metadata));
        tree.remove("checksum");
        Path cache = temp.resolve("a/b/cache");
        Path outside = temp.resolve("escaped");
        tree.put("indexId", "../../../escaped");
        Files.write(metadata, Json.writeChecksummed(tree));

        Ftindex.Result search = ftindex.run("search", "--index", index.toString(), "--cache-dir", cache.toString(), "lucene");

        assertThat(search.exitCode()).as(search.toString()).isEqualTo(6);
        assertThat(search.err()).contains(IndexLayout.METADATA).contains("indexId '../../../escaped' is not an index id");
        JsonNode error = search.json().get("error");
        assertThat(error.get("kind").asText()).isEqualTo("corrupt");
        assertThat(outside).doesNotExist();
        assertThat(temp.resolve("a/escaped")).doesNotExist();
        assertThat(temp.resolve("a/b/escaped")).doesNotExist();
    }
}
