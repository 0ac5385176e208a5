package dev.ftindex.format;

import dev.ftindex.storage.CorruptObjectException;
import dev.ftindex.storage.ObjectNotFoundException;
import dev.ftindex.storage.ObjectStore;
import dev.ftindex.storage.ObjectStream;
import dev.ftindex.storage.TransientStorageException;
import java.io.IOException;
import java.util.Optional;

/** Reads ftindex's checksummed JSON documents from a store, naming key and size on failure. */
public final class StoredJson {
    private StoredJson() {}

    /**
     * @throws ObjectNotFoundException if the key does not exist
     * @throws CorruptObjectException if it does but is not a valid document of this type; never
     *     to be treated as absent
     */
    public static <T> T read(ObjectStore store, String key, Class<T> type) {
        byte[] bytes;
        try (ObjectStream stream = store.get(key)) {
            bytes = stream.readAllRemaining();
        } catch (IOException e) {
            throw new TransientStorageException(store.location(), key, "read failed", e);
        }
        try {
            return Json.readChecksummed(bytes, type);
        } catch (FormatException e) {
            throw new CorruptObjectException(store.location(), key, bytes.length,
                    "unreadable " + describe(type) + ": " + e.getMessage(), null);
        }
    }

    /** As {@link #read}, but empty when the key does not exist. */
    public static <T> Optional<T> readIfExists(ObjectStore store, String key, Class<T> type) {
        try {
            return Optional.of(read(store, key, type));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        }
    }

    private static String describe(Class<?> type) {
        if (type == IndexMetadata.class) {
            return "index metadata";
        }
        if (type == FinalizePlan.class) {
            return "finalize plan";
        }
        if (type == PartitionManifest.class) {
            return "partition manifest";
        }
        return type.getSimpleName();
    }
}
