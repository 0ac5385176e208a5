package dev.ftindex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.worker.testing.ParquetFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet input through the command: the same hits and scores as JSON Lines, inspect, and mixed inputs. */
class ParquetInputTest {
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
    void aBuildFromParquetGivesExactlyTheIdsAndScoresOfABuildFromTheSameJsonLines() throws Exception {
        List<String> lines = TestDocuments.lines(0, 5_000, 31);
        Path jsonl = TestDocuments.write(temp.resolve("json/docs.jsonl"), lines);
        ParquetFiles.fromJsonLines(temp.resolve("parquet/a.parquet"), lines.subList(0, 3_000), 2_048, "zstd");
        ParquetFiles.fromJsonLines(temp.resolve("parquet/b.parquet"), lines.subList(3_000, 5_000), 2_048, "snappy");
        String fromJson = temp.resolve("from-json").toString();
        String fromParquet = temp.resolve("from-parquet").toString();
        assertThat(cli.run("build", "--index", fromJson, "--spec", spec().toString(), "--input", jsonl.toString(), "--workers", "2",
                "--min-split-mb", "0.1").exitCode()).isZero();
        CliRunner.Run built = cli.run("build", "--index", fromParquet, "--spec", spec().toString(), "--input",
                temp.resolve("parquet").toString(), "--workers", "3", "--min-split-mb", "0.1");
        assertThat(built.exitCode()).as(built.toString()).isZero();
        assertThat(built.json().get("docs").asLong()).isEqualTo(5_000);

        for (String query : List.of("lucene storage", "\"object storage\"", "title:river", "commit OR merge", "tags:the",
                "tags:of", "+search -disk", "memor*")) {
            JsonNode a = search(fromJson, query);
            JsonNode b = search(fromParquet, query);
            if (a.get("totalHitsRelation").asText().equals("eq") && b.get("totalHitsRelation").asText().equals("eq")) {
                // Lucene stops counting past a threshold ("gte"); exact counts must agree.
                assertThat(b.get("totalHits")).as(query).isEqualTo(a.get("totalHits"));
            }
            assertThat(ids(b)).as(query).isEqualTo(ids(a)).isNotEmpty();
            for (int i = 0; i < a.get("hits").size(); i++) {
                assertThat(b.get("hits").get(i).get("score").floatValue()).as(query + " #" + i)
                        .isEqualTo(a.get("hits").get(i).get("score").floatValue());
                assertThat(b.get("hits").get(i).get("fields")).isEqualTo(a.get("hits").get(i).get("fields"));
            }
        }
    }

    @Test
    void parquetAndJsonLinesMixInOneBuild() throws Exception {
        List<String> lines = TestDocuments.lines(0, 3_000, 32);
        TestDocuments.write(temp.resolve("in/docs.jsonl.gz"), lines.subList(0, 1_000));
        ParquetFiles.fromJsonLines(temp.resolve("in/docs.parquet"), lines.subList(1_000, 3_000), 2_048, "gzip");

        CliRunner.Run built = cli.run("build", "--index", temp.resolve("idx").toString(), "--spec", spec().toString(), "--input",
                temp.resolve("in").toString(), "--workers", "2");

        assertThat(built.exitCode()).as(built.toString()).isZero();
        assertThat(built.json().get("docs").asLong()).isEqualTo(3_000);
        long read = 0;
        for (JsonNode worker : built.json().get("workers")) {
            read += worker.get("input").get("bytesRead").asLong();
        }
        assertThat(read).isPositive();
    }

    @Test
    void inspectShowsTheSchemaRowGroupsMappingAndASpecToStartFrom() throws Exception {
        Path file = ParquetFiles.query(temp.resolve("books.parquet"),
                "SELECT i AS id, 'title ' || i AS title, {'name': 'author ' || (i % 7)} AS author, [i, i + 1] AS pages FROM range(5000) t(i)",
                2_048, "zstd");
        Path spec = Files.writeString(temp.resolve("books.json"),
                "{\"idField\": \"id\", \"fields\": {\"title\": {\"type\": \"text\"}, \"author.name\": {\"type\": \"keyword\"}, \"pages\": {\"type\": \"long\"}}}");

        CliRunner.Run text = cli.run("inspect", file.toString(), "--spec", spec.toString());

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out()).contains("5,000 rows in 3 row groups").contains("  author: required group (struct)")
                .contains("    name: optional byte_array (STRING)").contains("  pages: required group (list)")
                .contains("author.name (keyword) <- author.name: optional byte_array (STRING)")
                .contains("pages (long) <- pages: list of optional int64").contains("ZSTD")
                .contains("\"idField\" : \"id\"");
        CliRunner.Run json = cli.run("inspect", file.toString(), "--json");
        assertThat(json.json().get("rows").asLong()).isEqualTo(5_000);
        assertThat(json.json().get("rowGroups")).hasSize(3);
        assertThat(json.json().get("suggestedSpec").get("fields").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("title", "author.name", "pages");

        Path wrong = Files.writeString(temp.resolve("wrong.json"), "{\"idField\": \"id\", \"fields\": {\"title\": {\"type\": \"long\"}, \"blurb\": {\"type\": \"text\"}}}");
        CliRunner.Run mismatch = cli.run("inspect", file.toString(), "--spec", wrong.toString());
        assertThat(mismatch.exitCode()).isEqualTo(3);
        assertThat(mismatch.out()).contains("the spec does not fit").contains("column 'title' is optional byte_array (STRING)")
                .contains("column 'blurb' is missing from the file");
        CliRunner.Run notParquet = cli.run("inspect", TestDocuments.write(temp.resolve("x.jsonl"), List.of("{}")).toString());
        assertThat(notParquet.exitCode()).isEqualTo(3);
        assertThat(notParquet.err()).contains("not a Parquet file");
    }

    private JsonNode search(String index, String query) {
        CliRunner.Run run = cli.run("search", "--index", index, "--json", "--k", "50", "--cache-dir", temp.resolve("cache").toString(), query);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return run.json();
    }

    private static List<String> ids(JsonNode result) {
        return java.util.stream.StreamSupport.stream(result.get("hits").spliterator(), false).map(hit -> hit.get("id").asText()).toList();
    }
}
