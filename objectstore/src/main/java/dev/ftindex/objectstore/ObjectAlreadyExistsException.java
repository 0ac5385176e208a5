package dev.ftindex.objectstore;

/**
 * A create-only write found the key already present. The existing object was not touched.
 * Read it to learn who won.
 */
public final class ObjectAlreadyExistsException extends PreconditionFailedException {
    public ObjectAlreadyExistsException(String location, String key, Throwable cause) {
        super(location, key, "already exists", cause);
    }
}
