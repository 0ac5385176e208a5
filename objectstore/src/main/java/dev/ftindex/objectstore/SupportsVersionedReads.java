package dev.ftindex.objectstore;

/**
 * An ability of a store that can read one version of an object: a ranged read that names the
 * etag an earlier read returned gets bytes of that version or fails, so a reader that reads an
 * object in many requests never mixes bytes of two versions (S3's {@code If-Match}).
 */
public interface SupportsVersionedReads {
    /**
     * As {@link ObjectStore#get(String, ByteRange)}, of the version whose etag is {@code etag}.
     *
     * @throws PreconditionFailedException if the object is no longer that version (it was replaced)
     * @throws ObjectNotFoundException if it no longer exists
     */
    ObjectStream get(String key, ByteRange range, String etag);
}
