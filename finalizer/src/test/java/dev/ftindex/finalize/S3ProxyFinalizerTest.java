package dev.ftindex.finalize;

import dev.ftindex.storage.ObjectStore;
import dev.ftindex.storage.ObjectStores;
import dev.ftindex.storage.StoreLocation;
import dev.ftindex.storage.testing.S3ProxyServer;
import java.util.Map;

class S3ProxyFinalizerTest extends FinalizerProtocolTest {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();

    @Override
    ObjectStore createStore() {
        return ObjectStores.open(new StoreLocation.S3(SERVER.newBucket(), "idx/"), SERVER.settings().build(), Map.of());
    }

    @Override
    int rounds() {
        return 5;
    }
}
