package dev.ftindex.storage;

class InMemoryObjectStoreTest extends ObjectStoreContractTest {
    @Override
    protected ObjectStore createStore() {
        return ObjectStores.inMemory();
    }
}
