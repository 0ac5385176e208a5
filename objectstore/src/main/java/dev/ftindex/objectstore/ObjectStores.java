package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;

/** Opens stores. The implementations themselves are private to this package. */
public final class ObjectStores {
    private ObjectStores() {}

    /** A store at {@code location}; S3 locations use {@code s3}, the others ignore it. */
    public static ObjectStore open(StoreLocation location, S3Settings s3) {
        return open(location, s3, System.getenv());
    }

    /** As {@link #open(StoreLocation, S3Settings)}, reading AWS variables from {@code environment}. */
    public static ObjectStore open(StoreLocation location, S3Settings s3, Map<String, String> environment) {
        requireNonNull(location, "location is null");
        return switch (location) {
            case StoreLocation.S3 bucket -> new S3ObjectStore(bucket, requireNonNull(s3, "s3 is null"), environment);
            case StoreLocation.Local local -> new LocalObjectStore(local.directory());
        };
    }

    /**
     * {@code store} seen from {@code prefix} (ending with {@code /}): keys relative to it, every
     * request through {@code store}. Closing the view leaves {@code store} open.
     */
    public static ObjectStore prefixed(ObjectStore store, String prefix) {
        return store instanceof SupportsLocalFiles ? local(store, prefix) : new PrefixedStore(store, prefix);
    }

    @SuppressWarnings("unchecked")
    private static <S extends ObjectStore & SupportsLocalFiles> ObjectStore local(ObjectStore store, String prefix) {
        return new PrefixedStore.Local((S) store, prefix);
    }

    /** A store in a local directory, created on first write. */
    public static ObjectStore local(Path directory) {
        return new LocalObjectStore(directory);
    }
}
