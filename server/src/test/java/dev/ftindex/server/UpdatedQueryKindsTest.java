package dev.ftindex.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.search.testing.ReferenceIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link QueryKindsTest}'s query kinds and variants on a generation that updated its base: g1 (3
 * partitions) then g2 = g1 with 150 documents replaced by new versions ({@code --upsert}), 60
 * deleted (a delete list, two ids of which the base does not hold) and 100 new ones, in one new
 * partition. Every path (search, serve, a router over shards) must answer as one Lucene index fed
 * the same operations ({@code addDocument} of the base, {@code deleteDocuments} of the list,
 * {@code updateDocument} of the new input), never merged: ids, score bits (deleted documents still
 * count in the statistics), sort values, order, totals and facet counts of the live documents.
 */
class UpdatedQueryKindsTest extends QueryKindsTest {
    @Override
    String prepare(ObjectStore collection, Path temp) throws Exception {
        List<String> base = TestDocuments.lines(0, DOCS, 7);
        Generations.build(collection, "g1", base, temp, 3);
        // New versions of every 20th document (other words, years, tags), and new documents after the base's.
        List<String> added = new ArrayList<>();
        for (int i = 0; i < DOCS; i += 20) {
            added.addAll(TestDocuments.lines(i, 1, 1_000 + i));
        }
        added.addAll(TestDocuments.lines(DOCS, 100, 8));
        List<String> deletes = new ArrayList<>();
        for (int i = 7; i < DOCS; i += 50) {
            deletes.add("doc-" + i);
        }
        deletes.add("doc-999999");
        deletes.add("no-such-document");
        reference = ReferenceIndex.updated(TestDocuments.spec(), base, deletes, added, true, temp.resolve("reference"));
        holds(base);
        gone(deletes);
        holds(added);

        ObjectStore g2 = Generations.update(collection, "g2", "g1", added, deletes, true, temp, 1);
        IndexMetadata metadata = new IndexRoot(g2).requireCommit().metadata();
        assertThat(metadata.partitions()).hasSize(4);
        assertThat(metadata.deletedDocs()).as("150 replaced, 60 deleted").isEqualTo(210);
        assertThat(metadata.totals().docs()).as("deleted documents stay counted, as in one Lucene index").isEqualTo(DOCS + 250);
        ObjectStore g1 = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("g1"));
        assertThat(new IndexRoot(g1).requireCommit().metadata().deletedDocs()).as("the base is untouched").isZero();
        return "g2";
    }
}
