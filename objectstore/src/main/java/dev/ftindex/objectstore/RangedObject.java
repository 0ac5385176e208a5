package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One object read in byte ranges, every range of the version the first read saw: the one ranged
 * reader of committed files and id lists, which never change once written, so that a replaced
 * object is an error rather than a mix of two versions' bytes.
 *
 * <p>A read is tried again on a transient store failure and on a body that fails while it is read
 * (a reset connection), as the store itself retries a GET that fails before its body starts; an
 * interrupted reader is not. Thread-safe: the version is set once, by whichever read is first.
 */
public final class RangedObject {
    private static final Retry READS = Retry.onTransient().alsoOn(e -> e instanceof IOException && !(e instanceof InterruptedIOException));

    private final ObjectStore store;
    private final String key;
    private final AtomicReference<String> version = new AtomicReference<>();

    public RangedObject(ObjectStore store, String key) {
        this.store = requireNonNull(store, "store is null");
        this.key = requireNonNull(key, "key is null");
    }

    public ObjectStore store() {
        return store;
    }

    public String key() {
        return key;
    }

    /** The etag the first read returned, or null before it (or where the store has none). */
    public String version() {
        return version.get();
    }

    /**
     * Up to {@code length} bytes from {@code offset}: fewer only where the object ends sooner, which
     * the caller judges (a committed file shorter than its commit says is damage).
     *
     * @throws PreconditionFailedException if the object is no longer the version first read
     * @throws StorageException if the store failed to answer, after the retries
     */
    public byte[] read(long offset, int length) throws IOException {
        try {
            return READS.run(attempt -> {
                try (ObjectStream stream = ObjectStores.get(store, key, ByteRange.of(offset, length), version.get())) {
                    String etag = stream.object().etag();
                    if (etag != null && !etag.isEmpty()) {
                        version.compareAndSet(null, etag);
                    }
                    return stream.readNBytes(length);
                }
            });
        } catch (StorageException | InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            if (e.getCause() instanceof StorageException storage) {
                throw storage;
            }
            // The store failed to answer, as a failed request does: the caller may try again later.
            throw new TransientStorageException(store.location(), key, "reading bytes " + offset + " to " + (offset + length) + " failed: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return store.location() + key;
    }
}
