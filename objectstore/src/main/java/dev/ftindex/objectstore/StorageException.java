package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

/**
 * A failed storage operation. The subclass says what the caller should do next:
 *
 * <ul>
 *   <li>{@link ObjectNotFoundException}: the key does not exist; decide from the protocol.
 *   <li>{@link PreconditionFailedException} (and {@link ObjectAlreadyExistsException}): the
 *       object is not in the state the call required; re-read it, never retry blindly.
 *   <li>{@link TransientStorageException}: the call may or may not have been applied; retry
 *       the whole idempotent step later.
 *   <li>{@link PermanentStorageException}: configuration or permission problem; retrying will
 *       not help.
 *   <li>{@link CorruptObjectException}: the object exists but its bytes are not what they
 *       must be; never overwrite it, report it.
 * </ul>
 *
 * <p>Every message names the store location and the key. Credentials never appear in it.
 */
public abstract sealed class StorageException extends RuntimeException
        permits ObjectNotFoundException,
                PreconditionFailedException,
                TransientStorageException,
                PermanentStorageException,
                CorruptObjectException {

    private final String location;
    private final String key;
    private final String problem;

    protected StorageException(String location, String key, String problem, Throwable cause) {
        super(format(location, key, problem, cause), cause);
        this.location = requireNonNull(location, "location is null");
        this.key = key;
        this.problem = problem;
    }

    /** What went wrong, without the location and key. */
    public String problem() {
        return problem;
    }

    /** The store's root, e.g. {@code s3://bucket/prefix/}. */
    public String location() {
        return location;
    }

    /** The key relative to the store root, or null when the failure concerns no single key. */
    public String key() {
        return key;
    }

    private static String format(String location, String key, String problem, Throwable cause) {
        StringBuilder message = new StringBuilder();
        message.append(location);
        if (key != null) {
            message.append(key);
        }
        message.append(": ").append(problem);
        if (cause != null && cause.getMessage() != null && !problem.contains(cause.getMessage())) {
            message.append(": ").append(cause.getMessage());
        }
        return message.toString();
    }
}
