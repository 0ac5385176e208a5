package dev.ftindex.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.objectstore.CorruptObjectException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whoever can write to a bucket can write any bytes with a valid checksum. Every value that a
 * reader turns into a local path or an object key is checked against its format when the
 * document is parsed: a crafted one is corrupt data naming the object and the field, never a
 * path outside the cache or a key outside the index.
 */
class CraftedDocumentsTest {
    private static final String TRAVERSAL = "../../../../tmp/x";

    static Stream<Arguments> craftedMetadata() {
        return Stream.of(
                Arguments.of("indexId", edit(tree -> tree.put("indexId", TRAVERSAL)), "indexId '" + TRAVERSAL + "' is not an index id"),
                Arguments.of("indexId (absolute)", edit(tree -> tree.put("indexId", "/etc")), "is not an index id"),
                Arguments.of("partition number", edit(tree -> partition(tree).put("n", -1)), "partition number n is negative"),
                Arguments.of("partition number (gap)", edit(tree -> partition(tree).put("n", 7)), "numbered densely from 0"),
                Arguments.of("partition id", edit(tree -> partition(tree).put("partition", -5)), "partition id must be a non-negative integer"),
                Arguments.of("attempt id", edit(tree -> partition(tree).put("attempt", "../x")), "attempt id '../x' is not"),
                Arguments.of("file name", edit(tree -> file(partition(tree)).put("name", "../../x")), "file name '../../x' is not"),
                Arguments.of("committed file key", edit(tree -> ((ObjectNode) tree.withArray("files").get(0)).put("key", "../part_0/x")),
                        "committed file key '../part_0/x' is not part_<n>/<file name>"),
                Arguments.of("committed file key (staging)", edit(tree -> ((ObjectNode) tree.withArray("files").get(0))
                        .put("key", "staging/part_0/attempt_a/x")), "cannot be under staging/"));
    }

    @ParameterizedTest(name = "metadata.lance with a crafted {0}")
    @MethodSource("craftedMetadata")
    void craftedMetadataIsCorruptNamingTheObjectAndTheField(String field, Consumer<ObjectNode> craft, String message) {
        ObjectStore store = InMemoryObjectStore.create();
        ObjectNode tree = Json.MAPPER.valueToTree(IndexMetadata.fromPlan(plan()));
        craft.accept(tree);
        store.put(IndexLayout.METADATA, Payload.of(Json.writeChecksummed(tree)));

        assertThatThrownBy(() -> StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessageStartingWith(store.location() + IndexLayout.METADATA + ": unreadable index metadata: ")
                .hasMessageContaining(message);
    }

    static Stream<Arguments> craftedPlans() {
        return Stream.of(
                Arguments.of("indexId", edit(tree -> tree.put("indexId", TRAVERSAL)), "is not an index id"),
                Arguments.of("partition number", edit(tree -> partition(tree).put("n", -1)), "partition number n is negative"),
                Arguments.of("partition id", edit(tree -> partition(tree).put("partition", -1)), "partition id must be"),
                Arguments.of("attempt id", edit(tree -> partition(tree).put("attempt", "a/../../b")), "attempt id 'a/../../b' is not"),
                Arguments.of("file name", edit(tree -> file(partition(tree)).put("name", "..")), "file name '..' is not"));
    }

    @ParameterizedTest(name = "a plan with a crafted {0}")
    @MethodSource("craftedPlans")
    void craftedPlansAreCorruptNamingTheObjectAndTheField(String field, Consumer<ObjectNode> craft, String message) {
        ObjectStore store = InMemoryObjectStore.create();
        ObjectNode tree = Json.MAPPER.valueToTree(plan());
        craft.accept(tree);
        store.put(IndexLayout.PLAN, Payload.of(Json.writeChecksummed(tree)));

        assertThatThrownBy(() -> StoredJson.read(store, IndexLayout.PLAN, FinalizePlan.class))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessageStartingWith(store.location() + IndexLayout.PLAN + ": unreadable finalize plan: ")
                .hasMessageContaining(message);
    }

    static Stream<Arguments> craftedManifests() {
        return Stream.of(
                Arguments.of("partition id", edit(tree -> tree.put("partition", -3)), "partition id must be"),
                Arguments.of("attempt id", edit(tree -> tree.put("attempt", "../../etc")), "attempt id '../../etc' is not"),
                Arguments.of("file name", edit(tree -> file(tree).put("name", "x/../../y")), "file name 'x/../../y' is not"));
    }

    @ParameterizedTest(name = "a manifest with a crafted {0}")
    @MethodSource("craftedManifests")
    void craftedManifestsAreCorruptNamingTheObjectAndTheField(String field, Consumer<ObjectNode> craft, String message) {
        ObjectStore store = InMemoryObjectStore.create();
        ObjectNode tree = Json.MAPPER.valueToTree(ModelsTest.manifest(3, "20261121T000000Z-abcdef0123", 10));
        craft.accept(tree);
        String key = IndexLayout.manifestKey(3);
        store.put(key, Payload.of(Json.writeChecksummed(tree)));

        assertThatThrownBy(() -> StoredJson.read(store, key, PartitionManifest.class))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessageStartingWith(store.location() + key + ": unreadable partition manifest: ")
                .hasMessageContaining(message);
    }

    @Test
    void theUncraftedDocumentsAreValid() {
        byte[] metadata = Json.writeChecksummed(Json.MAPPER.valueToTree(IndexMetadata.fromPlan(plan())));
        assertThat(Json.readChecksummed(metadata, IndexMetadata.class).indexId()).isEqualTo(plan().indexId());
    }

    private static FinalizePlan plan() {
        return FinalizePlan.create(List.of(ModelsTest.manifest(0, "20261121T000000Z-abcdef0123", 10),
                ModelsTest.manifest(4, "20261121T000000Z-0123456789", 20)), 2, CountSource.FLAG);
    }

    private static Consumer<ObjectNode> edit(Consumer<ObjectNode> edit) {
        return edit;
    }

    private static ObjectNode partition(ObjectNode tree) {
        return (ObjectNode) ((ArrayNode) tree.get("partitions")).get(0);
    }

    private static ObjectNode file(ObjectNode owner) {
        JsonNode files = owner.get("files");
        return (ObjectNode) files.get(0);
    }
}
