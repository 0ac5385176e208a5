package dev.ftindex.finalizer;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.util.Map;

class S3ProxyCollectionLifecycleTest extends CollectionLifecycleTest {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();

    @Override
    ObjectStore createStore() {
        return ObjectStores.open(new StoreLocation.S3(SERVER.newBucket(), "products/"), SERVER.settings().build(), Map.of());
    }

    @Override
    int interleavingRounds() {
        return 4;
    }
}
