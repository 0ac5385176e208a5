package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * What a store knows about one object.
 *
 * @param key the key relative to the store root
 * @param size the size of the whole object in bytes
 * @param etag an opaque version tag: it changes whenever the object is replaced
 * @param lastModified when the object was last written, as the store reports it
 */
public record ObjectInfo(String key, long size, String etag, Instant lastModified) {
    public ObjectInfo {
        requireNonNull(key, "key is null");
        requireNonNull(etag, "etag is null");
        requireNonNull(lastModified, "lastModified is null");
        if (size < 0) {
            throw new IllegalArgumentException("size is negative: " + size);
        }
    }
}
