package dev.ftindex.finalizer;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;

class InMemoryCollectionLifecycleTest extends CollectionLifecycleTest {
    @Override
    ObjectStore createStore() {
        return InMemoryObjectStore.create();
    }
}
