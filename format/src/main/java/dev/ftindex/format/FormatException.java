package dev.ftindex.format;

/**
 * Bytes that do not hold a valid ftindex document (spec, manifest, plan, metadata). Readers of
 * stored documents turn it into a {@link dev.ftindex.objectstore.CorruptObjectException} naming the
 * key and the observed size; readers of a spec file into a usage error naming the file.
 */
public final class FormatException extends RuntimeException {
    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
