package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of a (possibly ranged) read, together with what the store said about the whole
 * object in the same response: its total size and etag. Close it.
 */
public final class ObjectStream extends FilterInputStream {
    private final ObjectInfo object;
    private final long start;
    private final long end;

    public ObjectStream(InputStream in, ObjectInfo object, long start, long end) {
        super(requireNonNull(in, "in is null"));
        this.object = requireNonNull(object, "object is null");
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("invalid range [" + start + ", " + end + ")");
        }
        this.start = start;
        this.end = end;
    }

    /** The whole object this stream reads from (its size is the object's, not the range's). */
    public ObjectInfo object() {
        return object;
    }

    /** Offset of the first byte of this stream within the object. */
    public long start() {
        return start;
    }

    /** Number of bytes this stream returns. */
    public long length() {
        return end - start;
    }

    /** Reads every remaining byte; for small objects and footers. */
    public byte[] readAllRemaining() throws IOException {
        return in.readAllBytes();
    }
}
