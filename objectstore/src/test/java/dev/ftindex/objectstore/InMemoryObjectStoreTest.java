package dev.ftindex.objectstore;

import dev.ftindex.objectstore.testing.InMemoryObjectStore;

class InMemoryObjectStoreTest extends ObjectStoreContractTest {
    @Override
    protected ObjectStore createStore() {
        return InMemoryObjectStore.create();
    }
}
