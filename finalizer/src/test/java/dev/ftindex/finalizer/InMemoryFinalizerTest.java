package dev.ftindex.finalizer;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;

class InMemoryFinalizerTest extends FinalizerProtocolTest {
    @Override
    ObjectStore createStore() {
        return InMemoryObjectStore.create();
    }
}
