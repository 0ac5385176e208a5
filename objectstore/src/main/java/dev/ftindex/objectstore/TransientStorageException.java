package dev.ftindex.objectstore;

/**
 * Throttling, a server error, a timeout or a lost connection, after the client's own retries.
 * A mutating call that fails this way may or may not have been applied ("ambiguous outcome"):
 * retry the whole idempotent step, never assume either way.
 */
public final class TransientStorageException extends StorageException {
    public TransientStorageException(String location, String key, String problem, Throwable cause) {
        super(location, key, problem, cause);
    }
}
