package dev.ftindex.finalizer;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class LocalCollectionLifecycleTest extends CollectionLifecycleTest {
    @TempDir
    Path temp;

    @Override
    ObjectStore createStore() {
        try {
            return ObjectStores.local(Files.createTempDirectory(temp, "collection"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    int interleavingRounds() {
        return 8;
    }
}
