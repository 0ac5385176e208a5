package dev.ftindex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scripts parse the JSON results: every field that version 0.1 printed is still printed, under
 * the same name and path. {@code result-fields-0.1.json} holds the field paths of each verb's
 * result as that version printed them for the same runs as this test's.
 */
class ResultCompatibilityTest {
    @TempDir
    Path temp;

    private final CliRunner cli = new CliRunner();

    @Test
    void everyResultHasEveryFieldItHadInVersion01() throws Exception {
        Map<String, List<String>> golden;
        try (InputStream in = getClass().getResourceAsStream("/result-fields-0.1.json")) {
            golden = Json.MAPPER.readValue(in, new TypeReference<>() {});
        }
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 300, 1));
        String index = temp.resolve("idx").toString();
        String built = temp.resolve("built").toString();
        String cache = temp.resolve("cache").toString();
        Map<String, JsonNode> results = new LinkedHashMap<>();
        results.put("build-partition", ok("build-partition", "--index", index, "--input", input.toString(), "--partition", "0",
                "--partitions", "2"));
        results.put("status (staging)", ok("status", "--index", index, "--json"));
        ok("build-partition", "--index", index, "--input", input.toString(), "--partition", "1", "--partitions", "2");
        results.put("finalize", ok("finalize", "--index", index));
        results.put("status (committed)", ok("status", "--index", index, "--json"));
        results.put("build", ok("build", "--index", built, "--input", input.toString(), "--workers", "2", "--search", "lucene",
                "--cache-dir", cache));
        results.put("search", ok("search", "--index", built, "--json", "--cache-dir", cache, "lucene"));
        results.put("verify", ok("verify", "--index", built));
        results.put("finalize (failed)", cli.run("finalize", "--index", temp.resolve("nothing").toString()).json());

        assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(golden.keySet());
        results.forEach((run, json) -> assertThat(paths(json, "")).as(run).containsAll(golden.get(run)));
    }

    private JsonNode ok(String... args) {
        CliRunner.Run run = cli.run(args);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return run.json();
    }

    /** ".a", ".a.b", ".list[].c": every field path, not descending into maps whose keys are data. */
    private static Set<String> paths(JsonNode node, String prefix) {
        Set<String> paths = new TreeSet<>();
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String path = prefix + "." + field.getKey();
                paths.add(path);
                if (!List.of("byOperation", "stageSeconds", "fields").contains(field.getKey())) {
                    paths.addAll(paths(field.getValue(), path));
                }
            }
        } else if (node.isArray()) {
            node.forEach(element -> paths.addAll(paths(element, prefix + "[]")));
        }
        return paths;
    }
}
