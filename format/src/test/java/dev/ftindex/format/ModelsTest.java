package dev.ftindex.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.CorruptObjectException;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelsTest {
    static PartitionManifest manifest(long partition, String attempt, long docs) {
        IndexSpec spec = TestDocuments.spec();
        return new PartitionManifest(PartitionManifest.FORMAT, PartitionManifest.VERSION, partition, attempt, 3, docs,
                "10.6.0", spec, spec.fingerprint(),
                new PartitionManifest.InputDescription("in.jsonl", "sha256:abc", 1, 100, 1),
                List.of(new FileEntry("_0.cfs", 1000 + partition, 12345 + partition), new FileEntry("segments_2", 200, 777)),
                Map.of("title", new FieldStats(docs, docs * 3, docs * 4)), 0, null, "2026-11-21T00:00:00Z", null);
    }

    @Test
    void manifestsRoundTripThroughTheirChecksummedJson() {
        PartitionManifest manifest = manifest(7, "20261121T000000Z-abcdef0123", 42);

        PartitionManifest read = Json.readChecksummed(Json.writeChecksummed(manifest), PartitionManifest.class);

        assertThat(read).isEqualTo(manifest);
        assertThat(read.bytes()).isEqualTo(1207);
    }

    @Test
    void thePlanIsAPureFunctionOfTheManifests() {
        List<PartitionManifest> manifests = List.of(manifest(9, "a-1", 10), manifest(2, "b-2", 20), manifest(5, "c-3", 30));
        List<PartitionManifest> shuffled = List.of(manifests.get(2), manifests.get(0), manifests.get(1));

        FinalizePlan plan = FinalizePlan.create(manifests, 3, CountSource.FLAG);
        FinalizePlan again = FinalizePlan.create(shuffled, 3, CountSource.FLAG);
        FinalizePlan otherAttempt = FinalizePlan.create(List.of(manifest(9, "a-9", 10), manifests.get(1), manifests.get(2)), 3, CountSource.FLAG);

        assertThat(Json.writeChecksummed(plan)).isEqualTo(Json.writeChecksummed(again));
        assertThat(plan.partitions()).extracting(FinalizePlan.PlannedPartition::partition).containsExactly(2L, 5L, 9L);
        assertThat(plan.partitions()).extracting(FinalizePlan.PlannedPartition::n).containsExactly(0, 1, 2);
        assertThat(plan.indexId()).hasSize(32).isNotEqualTo(otherAttempt.indexId());
        assertThat(plan.docCount()).isEqualTo(60);
        assertThat(plan.partitions().get(0).sourceKey(plan.partitions().get(0).files().get(0)))
                .isEqualTo("staging/part_2/attempt_b-2/_0.cfs");
    }

    @Test
    void metadataIsDerivedFromThePlanAloneAndNeverNamesStaging() {
        FinalizePlan plan = FinalizePlan.create(List.of(manifest(9, "a-1", 10), manifest(2, "b-2", 20)), null, CountSource.STAGED);

        IndexMetadata metadata = IndexMetadata.fromPlan(plan);
        byte[] bytes = Json.writeChecksummed(metadata);

        assertThat(Json.writeChecksummed(IndexMetadata.fromPlan(plan))).isEqualTo(bytes);
        assertThat(metadata.indexId()).isEqualTo(plan.indexId());
        assertThat(metadata.files()).extracting(IndexMetadata.CommittedFile::key)
                .containsExactly("part_0/_0.cfs", "part_0/segments_2", "part_1/_0.cfs", "part_1/segments_2");
        assertThat(metadata.totals()).isEqualTo(new IndexMetadata.Totals(2, 30, 4, 1002 + 200 + 1009 + 200));
        assertThat(metadata.fieldStats().get("title")).isEqualTo(new FieldStats(30, 90, 120));
        assertThat(Json.readChecksummed(bytes, IndexMetadata.class)).isEqualTo(metadata);
        assertThatThrownBy(() -> new IndexMetadata(IndexMetadata.FORMAT, 1, "x", "10", metadata.spec(), "f", metadata.totals(),
                List.of(), List.of(new IndexMetadata.CommittedFile("staging/part_1.json", 1, 1)), Map.of()))
                .hasMessageContaining("cannot be under staging/");
    }

    @Test
    void storedDocumentsThatAreTruncatedAreCorruptWithKeyAndSize() {
        ObjectStore store = InMemoryObjectStore.create();
        byte[] bytes = Json.writeChecksummed(IndexMetadata.fromPlan(FinalizePlan.create(List.of(manifest(1, "a-1", 10)), null, CountSource.STAGED)));
        store.put(IndexLayout.METADATA, Payload.of(Arrays.copyOf(bytes, 100)));

        assertThatThrownBy(() -> StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessageContaining(store.location() + "metadata.lance")
                .hasMessageContaining("observed size 100 bytes")
                .hasMessageContaining("unreadable index metadata")
                .hasMessageContaining("end-of-input");
        assertThatThrownBy(() -> StoredJson.readIfExists(store, IndexLayout.METADATA, IndexMetadata.class))
                .isInstanceOf(CorruptObjectException.class);
        assertThatThrownBy(() -> StoredJson.read(store, "staging/_plan.json", FinalizePlan.class))
                .isInstanceOf(ObjectNotFoundException.class);
        assertThat(StoredJson.readIfExists(store, "staging/_plan.json", FinalizePlan.class)).isEmpty();
    }

    @Test
    void newerFormatVersionsAreRefusedWithAnUpgradeHint() {
        assertThatThrownBy(() -> new FinalizePlan(FinalizePlan.FORMAT, 2, "id", null, CountSource.STAGED, "10", TestDocuments.spec(), "f", null, List.of()))
                .hasMessageContaining("version 2 is not supported").hasMessageContaining("upgrade ftindex");
    }

    @Test
    void layoutKeysAreParsedBack() {
        assertThat(IndexLayout.manifestPartition("staging/part_12.json")).contains(12L);
        assertThat(IndexLayout.manifestPartition("staging/part_12/attempt_x/a")).isEmpty();
        assertThat(IndexLayout.manifestPartition("staging/_plan.json")).isEmpty();
        assertThat(IndexLayout.stagedFile("staging/part_3/attempt_a-1/_0.cfs"))
                .contains(new IndexLayout.StagedFile(3, "a-1", "_0.cfs"));
        assertThatThrownBy(() -> IndexLayout.finalFileKey(0, "../x")).isInstanceOf(IllegalArgumentException.class);
    }
}
