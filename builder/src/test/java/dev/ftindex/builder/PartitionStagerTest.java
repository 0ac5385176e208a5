package dev.ftindex.builder;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.RunStats;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.lucene.util.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Documents to a staged partition, whoever feeds them: the part the CLI worker and Spark tasks share. */
class PartitionStagerTest {
    @TempDir
    Path temp;

    @Test
    void aBuiltPartitionIsStagedWithTheOneManifestItsFilesAndProvenanceMake() throws Exception {
        IndexSpec spec = TestDocuments.spec();
        List<String> lines = TestDocuments.lines(0, 200, 7);
        ObjectStore store = InMemoryObjectStore.create();
        PartitionBuild.Built built;
        try (PartitionBuild build = new PartitionBuild(spec, 16, 1, Optional.of(temp), 3, Progress.silent())) {
            DocumentMapper mapper = new DocumentMapper(spec);
            for (String line : lines) {
                byte[] bytes = line.getBytes(UTF_8);
                build.add(mapper.map(bytes, 0, bytes.length));
            }
            // One id twice: found after indexing, reported in the manifest when allowed.
            byte[] again = lines.getFirst().getBytes(UTF_8);
            build.add(mapper.map(again, 0, again.length));
            build.flush();
            built = build.finish(lines.size() + 1, new RunStats.Clock(store.metrics()));
            assertThat(built.duplicates().ids()).isEqualTo(1);
            assertThat(built.duplicates().documents()).isEqualTo(2);

            PartitionStager stager = new PartitionStager(store, 3, "attempt-a", 2, Progress.silent(), new RunStats.Clock(store.metrics()));
            PartitionManifest.InputDescription input = new PartitionManifest.InputDescription("test", "fingerprint", 1, 1000, 1);
            PartitionStager.Outcome outcome = stager.stage(built, new PartitionStager.Provenance(spec, 4, input, 2, null, null));

            assertThat(outcome.status()).isEqualTo(StageStatus.STAGED);
            PartitionManifest manifest = StoredJson.read(store, IndexLayout.manifestKey(3), PartitionManifest.class);
            assertThat(manifest).isEqualTo(outcome.winner());
            assertThat(manifest.attempt()).isEqualTo("attempt-a");
            assertThat(manifest.docCount()).isEqualTo(201);
            assertThat(manifest.expectedPartitions()).isEqualTo(4);
            assertThat(manifest.skippedRecords()).isEqualTo(2);
            assertThat(manifest.duplicateIds()).isEqualTo(1L);
            assertThat(manifest.luceneVersion()).isEqualTo(Version.LATEST.toString());
            assertThat(manifest.specFingerprint()).isEqualTo(spec.fingerprint());
            assertThat(manifest.files()).isEqualTo(built.files());
            for (var file : manifest.files()) {
                assertThat(store.head(IndexLayout.stagedFileKey(3, "attempt-a", file.name())).size()).isEqualTo(file.size());
            }

            // A second attempt of the same partition loses to the first and leaves nothing of its own.
            PartitionStager late = new PartitionStager(store, 3, "attempt-b", 2, Progress.silent(), new RunStats.Clock(store.metrics()));
            PartitionStager.Outcome lost = late.stage(built, new PartitionStager.Provenance(spec, 4, input, 0, null, null));
            assertThat(lost.status()).isEqualTo(StageStatus.LOST_RACE);
            assertThat(lost.winner().attempt()).isEqualTo("attempt-a");
            assertThat(store.list(IndexLayout.STAGING)).noneMatch(object -> object.key().contains("attempt-b"));
        }
    }
}
