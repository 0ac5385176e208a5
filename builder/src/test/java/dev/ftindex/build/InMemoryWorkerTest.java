package dev.ftindex.build;

import dev.ftindex.storage.ObjectStore;
import dev.ftindex.storage.ObjectStores;

class InMemoryWorkerTest extends WorkerProtocolTest {
    @Override
    ObjectStore createStore() {
        return ObjectStores.inMemory();
    }
}
