package dev.ftindex.objectstore;

/**
 * Retrying will not help: bad credentials, access denied, no such bucket, an invalid request,
 * or a store that lacks a capability ftindex relies on. Fix the configuration.
 */
public final class PermanentStorageException extends StorageException {
    public PermanentStorageException(String location, String key, String problem, Throwable cause) {
        super(location, key, problem, cause);
    }
}
