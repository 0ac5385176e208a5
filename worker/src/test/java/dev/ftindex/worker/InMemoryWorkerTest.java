package dev.ftindex.worker;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;

class InMemoryWorkerTest extends WorkerProtocolTest {
    @Override
    ObjectStore createStore() {
        return InMemoryObjectStore.create();
    }
}
