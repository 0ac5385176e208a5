package dev.ftindex.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.search.testing.TestIndexes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pages of the one order (score, then id) and highlighted snippets of the matched words. */
class SearchPagesAndHighlightsTest {
    @TempDir
    Path temp;

    @Test
    void pagesTileTheOrderAndHighlightsMarkTheMatchedWords() throws Exception {
        List<String> lines = new java.util.ArrayList<>(TestDocuments.lines(0, 1_500, 5));
        lines.add("{\"id\": \"html\", \"title\": \"lucene <b>bold</b> & friends\", \"contents\": \"about lucene\", \"year\": 2020}");
        Path input = TestDocuments.write(temp.resolve("docs.jsonl"), lines);
        ObjectStore store = InMemoryObjectStore.create();
        TestIndexes.build(store, TestDocuments.spec(), input, 3, temp);
        try (CommittedIndex index = CommittedIndex.open(store, temp.resolve("cache"), 2, Progress.silent())) {
            SearchResult all = index.search(SearchRequest.top("lucene", 60));
            assertThat(all.hits()).hasSize(60);
            for (int from = 0; from < 60; from += 20) {
                SearchResult page = index.search(SearchRequest.top("lucene", 20).withFrom(from));
                assertThat(page.from()).isEqualTo(from);
                assertThat(page.totalHits()).isEqualTo(all.totalHits());
                assertThat(page.hits()).isEqualTo(all.hits().subList(from, from + 20));
            }
            assertThat(index.search(SearchRequest.top("lucene", 10).withFrom((int) all.totalHits())).hits()).as("past the end").isEmpty();
            assertThatThrownBy(() -> SearchRequest.top("lucene", 10).withFrom(SearchRequest.MAX_WINDOW))
                    .isInstanceOf(QueryLimitException.class).hasMessageContaining("at most 10,000").hasMessageContaining("'after' cursor");

            // title is the stored text field: its snippets mark the matched words; the ranking is unchanged.
            SearchResult plain = index.search(SearchRequest.top("title:lucene", 40));
            SearchResult highlighted = index.search(SearchRequest.top("title:lucene", 40).withHighlight(true));
            assertThat(highlighted.hits()).extracting(SearchResult.Hit::id).isEqualTo(plain.hits().stream().map(SearchResult.Hit::id).toList());
            assertThat(plain.hits()).allSatisfy(hit -> assertThat(hit.highlights()).as("only when asked").isEmpty());
            assertThat(highlighted.hits()).isNotEmpty().allSatisfy(hit -> assertThat(hit.highlights().get("title"))
                    .as(hit.id()).containsIgnoringCase("<mark>lucene</mark>"));
            SearchResult.Hit marked = index.search(SearchRequest.top("title:lucene AND title:bold", 1).withHighlight(true)).hits().getFirst();
            assertThat(marked.id()).isEqualTo("html");
            assertThat(marked.highlights().get("title")).as("stored text is escaped, matched words marked")
                    .contains("<mark>lucene</mark>").contains("<mark>bold</mark>").contains("&lt;b&gt;").contains("&amp;").doesNotContain("<b>");
        }
    }
}
