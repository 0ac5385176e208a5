package dev.ftindex.objectstore;

/**
 * Which bytes of an object a read returns.
 *
 * <p>{@link Span} reads from an offset, for a length or to the end; {@link Suffix} reads the
 * last bytes, which lets a reader check a footer and learn the object's size with one request.
 * A range that reaches past the end of the object is cut at the end; one that starts past the
 * end reads nothing.
 */
public sealed interface ByteRange {
    /** The whole object. */
    ByteRange ALL = new Span(0, -1);

    static ByteRange of(long offset, long length) {
        return new Span(offset, length);
    }

    static ByteRange from(long offset) {
        return new Span(offset, -1);
    }

    static ByteRange suffix(long length) {
        return new Suffix(length);
    }

    /** The first byte and the end (exclusive) of this range in an object of {@code size} bytes. */
    long[] resolve(long size);

    /** {@code length == -1} reads to the end. */
    record Span(long offset, long length) implements ByteRange {
        public Span {
            if (offset < 0) {
                throw new IllegalArgumentException("offset is negative: " + offset);
            }
            if (length < -1) {
                throw new IllegalArgumentException("length is invalid: " + length);
            }
        }

        @Override
        public long[] resolve(long size) {
            long start = Math.min(offset, size);
            long end = length == -1 ? size : Math.min(size, offset + length);
            return new long[] {start, Math.max(start, end)};
        }

        boolean isAll() {
            return offset == 0 && length == -1;
        }
    }

    record Suffix(long length) implements ByteRange {
        public Suffix {
            if (length <= 0) {
                throw new IllegalArgumentException("suffix length must be positive: " + length);
            }
        }

        @Override
        public long[] resolve(long size) {
            return new long[] {Math.max(0, size - length), size};
        }
    }
}
