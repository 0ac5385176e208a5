package dev.ftindex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.TestDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ftindex search} with filters, a sort, facets and a cursor, as a user types them: the
 * text output shows the facets and the next page's cursor; the JSON carries the sort values; what
 * cannot be answered exits 2 naming field and value, and a search past its deadline exits 75.
 */
class SearchQueriesCommandTest {
    @TempDir
    Path temp;

    private final CliRunner cli = new CliRunner();
    private String index;
    private String cache;

    @BeforeEach
    void build() throws Exception {
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 1_500, 44));
        index = temp.resolve("idx").toString();
        cache = temp.resolve("cache").toString();
        cli.ok("build", "--index", index, "--spec", spec.toString(), "--input", input.toString(), "--workers", "3", "--threads", "1",
                "--min-split-mb", "0.02");
    }

    @Test
    void filtersSortsFacetsAndACursorFromTheCommandLine() {
        CliRunner.Run text = cli.ok("search", "--index", index, "--cache-dir", cache, "storage", "--filter", "year:[1970 TO 1999]",
                "--filter", "tags:the", "--sort", "year:desc,price", "--facet", "tags:top=3", "--facet", "price:ranges=..100,100..", "--k", "5");
        assertThat(text.out()).contains("sorted by year:desc,price:asc").contains("facet tags (values,").contains("facet price (ranges)")
                .contains("..100").contains("next page: --after ");

        JsonNode first = cli.ok("search", "--index", index, "--cache-dir", cache, "storage", "--filter", "year:[1970 TO 1999]",
                "--sort", "year:desc,price", "--k", "20", "--json").json();
        assertThat(first.path("sort").asText()).isEqualTo("year:desc,price:asc");
        List<Long> years = new ArrayList<>();
        for (JsonNode hit : first.path("hits")) {
            long year = hit.path("sort").get(0).asLong();
            assertThat(year).isBetween(1970L, 1999L);
            years.add(year);
        }
        assertThat(years).isSortedAccordingTo(java.util.Comparator.reverseOrder());

        // Walking every hit with the cursor finds each once, as many as the total.
        Set<String> seen = new HashSet<>();
        String after = null;
        long total = first.path("totalHits").asLong();
        for (int page = 0; page < 100; page++) {
            List<String> args = new ArrayList<>(List.of("search", "--index", index, "--cache-dir", cache, "storage", "--filter",
                    "year:[1970 TO 1999]", "--sort", "year:desc,price", "--k", "20", "--json"));
            if (after != null) {
                args.addAll(List.of("--after", after));
            }
            JsonNode result = cli.ok(args.toArray(String[]::new)).json();
            result.path("hits").forEach(hit -> assertThat(seen.add(hit.path("id").asText())).as(hit.path("id").asText()).isTrue());
            if (!result.has("after")) {
                break;
            }
            after = result.path("after").asText();
        }
        assertThat(first.path("totalHitsRelation").asText()).isEqualTo("eq");
        assertThat((long) seen.size()).isEqualTo(total);
    }

    @Test
    void whatCannotBeAnsweredExitsNamingIt() {
        CliRunner.Run badNumber = cli.run("search", "--index", index, "--cache-dir", cache, "year:19x9");
        assertThat(badNumber.exitCode()).as(badNumber.toString()).isEqualTo(2);
        assertThat(badNumber.err()).contains("field 'year' is long: '19x9' is not an integer");
        assertThat(badNumber.json().path("error").path("kind").asText()).isEqualTo("invalid-query");

        CliRunner.Run textSort = cli.run("search", "--index", index, "--cache-dir", cache, "storage", "--sort", "title");
        assertThat(textSort.exitCode()).as(textSort.toString()).isEqualTo(2);
        assertThat(textSort.err()).contains("sort 'title:asc': field 'title' is text");

        CliRunner.Run badFacet = cli.run("search", "--index", index, "--cache-dir", cache, "storage", "--facet", "price:top=5");
        assertThat(badFacet.exitCode()).as(badFacet.toString()).isEqualTo(2);
        assertThat(badFacet.err()).contains("a double field's values are counted in ranges or an interval");

        CliRunner.Run deep = cli.run("search", "--index", index, "--cache-dir", cache, "storage", "--from", "9995", "--k", "10");
        assertThat(deep.exitCode()).as(deep.toString()).isEqualTo(2);
        assertThat(deep.json().path("error").path("kind").asText()).isEqualTo("query-limit");
        assertThat(deep.err()).contains("'after' cursor");

        CliRunner.Run late = cli.run("search", "--index", index, "--cache-dir", cache, "storage OR index", "--query-timeout", "PT0.000000001S");
        assertThat(late.exitCode()).as(late.toString()).isEqualTo(75);
        assertThat(late.json().path("error").path("kind").asText()).isEqualTo("query-timeout");

        CliRunner.Run batch = cli.run("search", "--index", index, "--queries", temp.resolve("topics.tsv").toString(), "--output",
                temp.resolve("run").toString(), "--sort", "year");
        assertThat(batch.exitCode()).isEqualTo(2);
        assertThat(batch.err()).contains("not --queries");
    }
}
