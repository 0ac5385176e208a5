package dev.ftindex.objectstore;

/** The key does not exist. */
public final class ObjectNotFoundException extends StorageException {
    public ObjectNotFoundException(String location, String key, Throwable cause) {
        super(location, key, "not found", cause);
    }
}
