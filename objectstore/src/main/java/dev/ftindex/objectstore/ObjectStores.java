package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

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

    /**
     * Two roots that share a bucket (or a directory tree) as views of one store opened at their
     * common location, so that {@link #copy} between them is server-side; else each opened alone.
     *
     * @param open opens a location (the caller's: it may cache and close what it opens)
     * @return the stores at {@code a} and {@code b}, in that order
     */
    public static List<ObjectStore> openTogether(StoreLocation a, StoreLocation b, Function<StoreLocation, ObjectStore> open) {
        Optional<StoreLocation.Shared> shared = StoreLocation.shared(a, b);
        if (shared.isEmpty()) {
            return List.of(open.apply(a), open.apply(b));
        }
        ObjectStore common = open.apply(shared.get().root());
        return List.of(view(common, shared.get().a()), view(common, shared.get().b()));
    }

    private static ObjectStore view(ObjectStore store, String prefix) {
        return prefix.isEmpty() ? store : prefixed(store, prefix);
    }

    /**
     * Copies {@code sourceKey} of {@code source} to {@code targetKey} of {@code target}: server-side
     * when both are one store or views of one store ({@link #prefixed}), as a collection's
     * generations are; otherwise through this machine, by way of a temporary file (two buckets, two
     * directories).
     *
     * @throws ObjectNotFoundException if the source does not exist
     */
    public static ObjectInfo copy(ObjectStore source, String sourceKey, ObjectStore target, String targetKey) {
        Located from = located(source, sourceKey);
        Located to = located(target, targetKey);
        if (from.store() == to.store()) {
            ObjectInfo copied = to.store().copy(from.key(), to.key(), Optional.empty());
            return new ObjectInfo(targetKey, copied.size(), copied.etag(), copied.lastModified());
        }
        Path temporary = null;
        try {
            temporary = Files.createTempFile("ftindex-copy-", ".tmp");
            try (ObjectStream in = source.get(sourceKey)) {
                Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
            }
            return target.put(targetKey, Payload.of(temporary));
        } catch (IOException e) {
            throw new UncheckedIOException("copying " + source.location() + sourceKey + " to " + target.location() + targetKey
                    + " through " + temporary + " failed: " + e.getMessage(), e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // A temporary file; the system's temp cleaning removes it.
                }
            }
        }
    }

    /**
     * A ranged read of the version of {@code key} whose etag is {@code etag}, where the store (or
     * the store a view is of) {@link SupportsVersionedReads}; else, or when {@code etag} is null, a
     * plain read.
     *
     * @throws PreconditionFailedException if the object is no longer that version
     */
    public static ObjectStream get(ObjectStore store, String key, ByteRange range, String etag) {
        Located located = located(store, key);
        if (etag == null || etag.isEmpty() || !(located.store() instanceof SupportsVersionedReads versioned)) {
            return store.get(key, range);
        }
        ObjectStream stream = versioned.get(located.key(), range, etag);
        ObjectInfo object = stream.object();
        return new ObjectStream(stream, new ObjectInfo(key, object.size(), object.etag(), object.lastModified()), stream.start(),
                stream.start() + stream.length());
    }

    /** A key in the store that serves it: views ({@link #prefixed}) unwrapped. */
    private record Located(ObjectStore store, String key) {}

    private static Located located(ObjectStore store, String key) {
        while (store instanceof PrefixedStore view) {
            key = view.full(key);
            store = view.parent();
        }
        return new Located(store, key);
    }

    /** A store in a local directory, created on first write. */
    public static ObjectStore local(Path directory) {
        return new LocalObjectStore(directory);
    }
}
