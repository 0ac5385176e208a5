package dev.ftindex.search;

import java.io.EOFException;
import java.io.IOException;
import java.util.Optional;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.RandomAccessInput;

/**
 * A slice of a {@link RemoteFile} read page by page: a pinned block of the hotcache where there is
 * one, else the {@link PageCache}. The current page is held, so sequential reads within it cost an
 * array access. A clone or slice starts from the current state and shares nothing mutable; none of
 * them owns a resource. Little-endian like every Lucene input.
 */
final class LazyInput extends IndexInput implements RandomAccessInput {
    private final RemoteFile file;
    private final PageCache cache;
    /** Where this slice starts in the file, and its length. */
    private final long offset;
    private final long length;
    private long position;
    /** The bytes held, from file offset {@code heldStart}. */
    private byte[] held = new byte[0];
    private long heldStart;

    LazyInput(String description, RemoteFile file, PageCache cache, long offset, long length) {
        super(description);
        this.file = file;
        this.cache = cache;
        this.offset = offset;
        this.length = length;
    }

    /** Holds the page (or pinned block) with file offset {@code at}; returns the index of {@code at} in it. */
    private int hold(long at) throws IOException {
        if (at >= heldStart && at < heldStart + held.length) {
            return (int) (at - heldStart);
        }
        long block = at / file.blockSize();
        byte[] pinned = file.pinned(block);
        if (pinned != null) {
            held = pinned;
            heldStart = block * file.blockSize();
        } else {
            long page = at / cache.pageSize();
            held = cache.page(file, page);
            heldStart = page * cache.pageSize();
        }
        return (int) (at - heldStart);
    }

    private EOFException pastEnd(long at, long count) {
        return new EOFException("read past the end of " + this + ": " + count + " byte(s) at " + at + ", length " + length);
    }

    @Override
    public byte readByte() throws IOException {
        if (position >= length) {
            throw pastEnd(position, 1);
        }
        // hold() first: it may replace the held array.
        int index = hold(offset + position);
        position++;
        return held[index];
    }

    @Override
    public void readBytes(byte[] b, int off, int len) throws IOException {
        if (len > length - position) {
            throw pastEnd(position, len);
        }
        copy(offset + position, b, off, len);
        position += len;
    }

    /** Copies {@code len} bytes from file offset {@code at}; a read over several pages fetches the missing ones together. */
    private void copy(long at, byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        long firstPage = at / cache.pageSize();
        long lastPage = (at + len - 1) / cache.pageSize();
        if (lastPage > firstPage) {
            cache.load(file, firstPage, lastPage);
        }
        while (len > 0) {
            int index = hold(at);
            int n = Math.min(len, held.length - index);
            System.arraycopy(held, index, b, off, n);
            at += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public short readShort() throws IOException {
        short value = readShort(position);
        position += Short.BYTES;
        return value;
    }

    @Override
    public int readInt() throws IOException {
        int value = readInt(position);
        position += Integer.BYTES;
        return value;
    }

    @Override
    public long readLong() throws IOException {
        long value = readLong(position);
        position += Long.BYTES;
        return value;
    }

    @Override
    public long getFilePointer() {
        return position;
    }

    @Override
    public void seek(long pos) throws IOException {
        if (pos < 0 || pos > length) {
            throw new EOFException("seek to " + pos + " outside " + this + " (length " + length + ")");
        }
        position = pos;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public IndexInput slice(String description, long sliceOffset, long sliceLength) throws IOException {
        if (sliceOffset < 0 || sliceLength < 0 || sliceOffset + sliceLength > length) {
            throw new IllegalArgumentException("slice(offset=" + sliceOffset + ", length=" + sliceLength + ") is out of bounds: " + this);
        }
        return new LazyInput(getFullSliceDescription(description), file, cache, offset + sliceOffset, sliceLength);
    }

    @Override
    public RandomAccessInput randomAccessSlice(long sliceOffset, long sliceLength) throws IOException {
        return (LazyInput) slice("randomaccess", sliceOffset, sliceLength);
    }

    @Override
    public LazyInput clone() {
        return (LazyInput) super.clone();
    }

    @Override
    public void close() {
        // Nothing is owned: the page cache and the store outlive every input.
    }

    @Override
    public void prefetch(long at, long count) {
        if (count <= 0 || at < 0 || at + count > length) {
            return;
        }
        long start = offset + at;
        long firstPage = start / cache.pageSize();
        long lastPage = (start + count - 1) / cache.pageSize();
        if (file.pinned(start / file.blockSize()) != null && file.pinned((start + count - 1) / file.blockSize()) != null) {
            return;
        }
        cache.prefetch(file, firstPage, lastPage);
    }

    @Override
    public Optional<Boolean> isLoaded() {
        return Optional.empty();
    }

    // RandomAccessInput: absolute positions within this slice; the file pointer does not move.

    private long checked(long pos, int count) throws EOFException {
        if (pos < 0 || pos + count > length) {
            throw pastEnd(pos, count);
        }
        return offset + pos;
    }

    @Override
    public byte readByte(long pos) throws IOException {
        int index = hold(checked(pos, 1));
        return held[index];
    }

    @Override
    public void readBytes(long pos, byte[] bytes, int off, int len) throws IOException {
        copy(checked(pos, len), bytes, off, len);
    }

    @Override
    public short readShort(long pos) throws IOException {
        return (short) littleEndian(pos, Short.BYTES);
    }

    @Override
    public int readInt(long pos) throws IOException {
        return (int) littleEndian(pos, Integer.BYTES);
    }

    @Override
    public long readLong(long pos) throws IOException {
        return littleEndian(pos, Long.BYTES);
    }

    /** The {@code width} bytes at {@code pos} as a little-endian number: from the held page, or copied when they cross its end. */
    private long littleEndian(long pos, int width) throws IOException {
        long at = checked(pos, width);
        int index = hold(at);
        byte[] bytes = held;
        if (index + width > held.length) {
            bytes = new byte[width];
            copy(at, bytes, 0, width);
            index = 0;
        }
        long value = 0;
        for (int i = width - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[index + i] & 0xFF);
        }
        return value;
    }
}
