package dev.ftindex.objectstore;

/**
 * The object exists, but its bytes are not what they must be: truncated, unparsable, or
 * failing a checksum. Never overwrite or skip it; report it with its observed size.
 */
public final class CorruptObjectException extends StorageException {
    private final long observedSize;

    public CorruptObjectException(String location, String key, long observedSize, String problem, Throwable cause) {
        super(location, key, problem + " (observed size " + observedSize + " bytes)", cause);
        this.observedSize = observedSize;
    }

    /** The size of the object as read, or -1 when it could not be determined. */
    public long observedSize() {
        return observedSize;
    }
}
