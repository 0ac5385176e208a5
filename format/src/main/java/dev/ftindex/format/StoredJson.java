package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.CorruptObjectException;
import dev.ftindex.objectstore.ObjectAlreadyExistsException;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.Retry;
import dev.ftindex.objectstore.TransientStorageException;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads ftindex's checksummed JSON documents from a store, naming key and size on failure, and
 * creates the create-only ones (manifest, plan, {@code metadata.lance}).
 */
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

    /** How {@link #createOnly} ended. */
    public enum Outcome {
        /** This write created the object. */
        CREATED,
        /** The object existed: the winner's document, or none if it vanished before it could be read. */
        EXISTED,
        /** A write failed ambiguously, and reading the key back found a document: this write's or a concurrent one's. */
        READ_BACK
    }

    /**
     * What a create-only write left under its key.
     *
     * @param stored the document under the key: {@code value} when {@link Outcome#CREATED}, what
     *     was read when {@link Outcome#EXISTED} or {@link Outcome#READ_BACK}; empty only when it
     *     existed but vanished before it could be read
     */
    public record Created<T>(Outcome outcome, Optional<T> stored) {
        public Created {
            requireNonNull(outcome, "outcome is null");
            requireNonNull(stored, "stored is null");
        }
    }

    /** How often a create-only write is tried when its outcome stays unknown (each try is itself retried by the S3 client). */
    public static final Retry CREATE_ONLY = Retry.onTransient().attempts(3);

    /**
     * Creates {@code key} holding {@code document}, the checksummed form of {@code value}, and
     * never overwrites it. A transient failure may have landed all the same, so it is settled by
     * reading the key back: a document there is returned (this write's or a concurrent writer's;
     * the caller tells them apart by content), nothing there means the write is tried again, as
     * {@link #CREATE_ONLY} allows.
     *
     * @param retryIfVanished whether an object that existed but was removed before it could be
     *     read is written again (using up an attempt), rather than returned as {@link
     *     Outcome#EXISTED} with nothing stored
     * @throws TransientStorageException the last transient failure, when no attempt settled it
     */
    public static <T> Created<T> createOnly(ObjectStore store, String key, T value, byte[] document, boolean retryIfVanished) {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) value.getClass();
        try {
            return CREATE_ONLY.alsoOn(e -> e instanceof Vanished).run(attempt -> {
                try {
                    store.putIfAbsent(key, Payload.of(document));
                    return new Created<>(Outcome.CREATED, Optional.of(value));
                } catch (ObjectAlreadyExistsException e) {
                    Optional<T> winner = readIfExists(store, key, type);
                    if (winner.isPresent() || !retryIfVanished) {
                        return new Created<>(Outcome.EXISTED, winner);
                    }
                    throw new Vanished(store.location(), key);
                } catch (TransientStorageException e) {
                    try {
                        Optional<T> stored = readIfExists(store, key, type);
                        if (stored.isPresent()) {
                            return new Created<>(Outcome.READ_BACK, stored);
                        }
                    } catch (TransientStorageException readFailure) {
                        e.addSuppressed(readFailure);
                    }
                    throw e;
                }
            });
        } catch (Vanished e) {
            return new Created<>(Outcome.EXISTED, Optional.empty());
        }
    }

    /** An object that existed when written and was gone when read back: written again while attempts last. */
    private static final class Vanished extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Vanished(String location, String key) {
            super(location + key + ": the object existed and was gone before it could be read", null, false, false);
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
