package dev.ftindex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.search.testing.ReferenceIndex.Scored;
import dev.ftindex.search.testing.ReferenceIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `ftindex build` over P partitions, searched with `ftindex search --json`, gives exactly the ids
 * and scores (bit for bit) of one plain Lucene index of the same documents and spec.
 */
class BuildEquivalenceTest {
    static final List<String> QUERIES = List.of("index", "lucene search", "\"object storage\"", "title:river AND memory",
            "crash OR retry OR network^2", "+finalizer -commit", "segm*", "tags:that", "the of and");

    @TempDir
    Path temp;

    @Test
    void oneFourAndSixteenPartitionsScoreLikeOneIndex() throws Exception {
        Path spec = Files.writeString(temp.resolve("spec.json"), """
                {"idField": "id",
                 "fields": {"title": {"type": "text", "stored": true, "analyzer": "english"},
                            "contents": {"type": "text"}, "year": {"type": "long", "stored": true},
                            "tags": {"type": "keyword", "stored": true}},
                 "defaultSearchFields": ["title", "contents"],
                 "similarity": {"type": "BM25", "k1": 0.9, "b": 0.4}}
                """);
        List<String> lines = TestDocuments.lines(0, 5_000, 99);
        // Several input files, one of them gzip, so that shares mix whole files and byte ranges.
        for (int f = 0; f < 4; f++) {
            TestDocuments.write(temp.resolve("in/docs-" + f + (f == 3 ? ".jsonl.gz" : ".jsonl")), lines.subList(f * 1_250, (f + 1) * 1_250));
        }
        CliRunner cli = new CliRunner();
        try (ReferenceIndex reference = new ReferenceIndex(IndexSpec.read(spec), lines, temp.resolve("reference"))) {
            for (int partitions : new int[] {1, 4, 16}) {
                String index = temp.resolve("index-" + partitions).toString();
                CliRunner.Run build = cli.run("build", "--index", index, "--spec", spec.toString(), "--input", temp.resolve("in").toString(),
                        "--workers", String.valueOf(partitions), "--min-split-mb", "0.02");
                assertThat(build.exitCode()).as(build.toString()).isZero();
                assertThat(build.json().get("partitions").asInt()).isEqualTo(partitions);
                assertThat(build.json().get("docs").asLong()).isEqualTo(5_000);

                for (String query : QUERIES) {
                    CliRunner.Run search = cli.run("search", "--index", index, "--k", "40", "--json",
                            "--cache-dir", temp.resolve("cache").toString(), query);
                    assertThat(search.exitCode()).as(search.toString()).isZero();
                    List<Scored> hits = new ArrayList<>();
                    for (JsonNode hit : search.json().get("hits")) {
                        // Parse the printed text as a float: the shortest decimal form identifies the float exactly.
                        hits.add(Scored.of(hit.get("id").asText(), Float.parseFloat(hit.get("score").toString())));
                    }
                    assertThat(hits).as("%s over %d partitions", query, partitions).isNotEmpty().isEqualTo(reference.search(query, 40));
                }
            }
        }
    }
}
