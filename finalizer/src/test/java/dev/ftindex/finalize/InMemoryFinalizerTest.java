package dev.ftindex.finalize;

import dev.ftindex.storage.ObjectStore;
import dev.ftindex.storage.ObjectStores;

class InMemoryFinalizerTest extends FinalizerProtocolTest {
    @Override
    ObjectStore createStore() {
        return ObjectStores.inMemory();
    }
}
