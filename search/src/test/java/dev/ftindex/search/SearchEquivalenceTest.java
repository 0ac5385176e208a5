package dev.ftindex.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.testing.ReferenceIndex.Scored;
import dev.ftindex.search.testing.ReferenceIndex;
import dev.ftindex.search.testing.TestIndexes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A committed index of P partitions scores exactly like one index of the same documents. */
class SearchEquivalenceTest {
    static final List<String> QUERIES = List.of(
            "index", "the", "lucene search", "distributed AND storage", "\"object storage\"", "title:river",
            "crash OR retry OR network", "+finalizer -commit", "merg*", "disk~1", "tags:that", "memory^3 cache",
            "(apple river) AND NOT the", "garden winter language ocean forest machine", "zzzznothing");

    @TempDir
    Path temp;

    @Test
    void resultsAreBitIdenticalForOneFourAndSixteenPartitions() throws Exception {
        List<String> lines = TestDocuments.lines(0, 4_000, 2024);
        Path input = TestDocuments.write(temp.resolve("docs.jsonl"), lines);
        try (ReferenceIndex reference = new ReferenceIndex(TestDocuments.spec(), lines, temp.resolve("reference"))) {
            for (int partitions : new int[] {1, 4, 16}) {
                ObjectStore store = ObjectStores.local(temp.resolve("index-" + partitions));
                TestIndexes.build(store, TestDocuments.spec(), input, partitions, temp);
                try (CommittedIndex index = CommittedIndex.open(store, temp.resolve("cache"), 4, Progress.silent())) {
                    assertThat(index.metadata().totals().partitions()).isEqualTo(partitions);
                    int answered = 0;
                    for (String query : QUERIES) {
                        SearchResult result = index.search(query, 50);
                        answered += result.hits().isEmpty() ? 0 : 1;
                        List<Scored> hits = result.hits().stream().map(hit -> Scored.of(hit.id(), hit.score())).toList();
                        assertThat(hits).as("%s with %d partitions", query, partitions).isEqualTo(reference.search(query, 50));
                        if (result.count().totalHitsRelation() == SearchResult.Relation.EQ) {
                            assertThat(result.totalHits()).as(query).isEqualTo(reference.totalHits(query));
                        }
                    }
                    assertThat(answered).as("queries with hits").isEqualTo(QUERIES.size() - 1);
                }
            }
        }
    }
}
