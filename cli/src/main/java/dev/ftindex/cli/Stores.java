package dev.ftindex.cli;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.S3Settings;
import dev.ftindex.objectstore.StoreLocation;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** The stores a verb opened (the index root, S3 input buckets), closed together. */
final class Stores implements AutoCloseable {
    private final S3Settings settings;
    private final Map<String, String> environment;
    private final Map<String, ObjectStore> opened = new ConcurrentHashMap<>();

    Stores(S3Settings settings, Map<String, String> environment) {
        this.settings = settings;
        this.environment = environment;
    }

    /** The store at {@code location}, opened once. */
    ObjectStore open(StoreLocation location) {
        return opened.computeIfAbsent(location.uri(), uri -> ObjectStores.open(location, settings, environment));
    }

    /** Opens S3 input buckets with the same settings as the index. */
    Function<StoreLocation.S3, ObjectStore> inputStores() {
        return this::open;
    }

    @Override
    public void close() {
        opened.values().forEach(ObjectStore::close);
    }
}
