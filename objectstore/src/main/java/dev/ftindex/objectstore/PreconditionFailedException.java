package dev.ftindex.objectstore;

/**
 * The object is not in the state the call required (for example a copy whose source no
 * longer has the expected etag). Nothing was written. Re-read the object and decide again.
 */
public sealed class PreconditionFailedException extends StorageException permits ObjectAlreadyExistsException {
    public PreconditionFailedException(String location, String key, String problem, Throwable cause) {
        super(location, key, problem, cause);
    }
}
