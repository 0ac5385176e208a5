package dev.ftindex.objectstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import org.junit.jupiter.api.Test;

/** A store seen from a prefix keeps the whole contract, and touches nothing outside its prefix. */
class PrefixedStoreTest extends ObjectStoreContractTest {
    private ObjectStore parent;

    @Override
    protected ObjectStore createStore() {
        parent = InMemoryObjectStore.create();
        parent.put("outside/x", Payload.of(bytes("x")));
        parent.put("generations/g1-other/y", Payload.of(bytes("y")));
        return ObjectStores.prefixed(parent, "generations/g1/");
    }

    @Test
    void keysAreRelativeToThePrefixAndNothingOutsideIsSeen() {
        store.put("metadata.lance", Payload.of(bytes("m")));

        assertThat(store.location()).endsWith("/generations/g1/");
        assertThat(parent.head("generations/g1/metadata.lance").size()).isEqualTo(1);
        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("metadata.lance");
        assertThat(parent.list("")).extracting(ObjectInfo::key)
                .containsExactly("generations/g1-other/y", "generations/g1/metadata.lance", "outside/x");
    }
}
