package dev.ftindex.worker;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the lines of a byte range of a file, by the rule that a line belongs to the range that
 * holds its first byte. A reader for {@code [start, end)} with {@code start > 0} is given the
 * stream from {@code start - 1}: if that byte ends a line, the line at {@code start} is ours;
 * otherwise the partial line is skipped (its owner is the previous range). Lines are read past
 * {@code end} to finish the last one that started inside the range.
 *
 * <p>After {@link #next()} returns true, the line is {@code buffer()[lineStart(), lineStart() +
 * lineLength())}, without its {@code \n} (or {@code \r\n}), valid until the next call.
 */
final class LineReader {
    private static final int MAX_LINE = 256 << 20;

    private final InputStream in;
    private final long end;
    private byte[] buffer = new byte[1 << 20];
    private int position;
    private int limit;
    private long bufferOffset;
    private boolean eof;
    private int lineStart;
    private int lineLength;
    private long lineOffset;
    private long lineNumber;

    /**
     * @param in the bytes from {@code start - 1} (or from 0 when {@code start == 0})
     * @param start first byte of the range
     * @param end end of the range (exclusive), or {@code Long.MAX_VALUE} for "to the end"
     */
    LineReader(InputStream in, long start, long end) throws IOException {
        this.in = in;
        this.end = end;
        if (start > 0) {
            this.bufferOffset = start - 1;
            if (!fill()) {
                eof = true;
                return;
            }
            if (buffer[position] == '\n') {
                position++;
            } else {
                skipPastNewline();
            }
        }
    }

    /** Advances to the next line; false at the end of the range. */
    boolean next() throws IOException {
        while (true) {
            long offset = bufferOffset + position;
            if (offset >= end) {
                return false;
            }
            if (position >= limit && !fill()) {
                return false;
            }
            int start = position;
            int newline = indexOfNewline(start);
            while (newline < 0 && !eof) {
                // The line continues beyond the buffer: compact or grow, then read more and
                // search only the new bytes.
                start = makeRoom(start);
                int scanned = limit;
                if (!fill()) {
                    break;
                }
                newline = indexOfNewline(scanned);
            }
            int stop = newline < 0 ? limit : newline;
            position = newline < 0 ? limit : newline + 1;
            lineNumber++;
            lineStart = start;
            lineOffset = bufferOffset + start;
            int length = stop - start;
            if (length > 0 && buffer[stop - 1] == '\r') {
                length--;
            }
            lineLength = length;
            if (isBlank(start, length)) {
                continue;
            }
            return true;
        }
    }

    byte[] buffer() {
        return buffer;
    }

    int lineStart() {
        return lineStart;
    }

    int lineLength() {
        return lineLength;
    }

    /** Offset of the current line's first byte in the (uncompressed) file. */
    long lineOffset() {
        return lineOffset;
    }

    /** 1-based number of the current line counted from the range's first line. */
    long lineNumber() {
        return lineNumber;
    }

    private void skipPastNewline() throws IOException {
        while (true) {
            int newline = indexOfNewline(position);
            if (newline >= 0) {
                position = newline + 1;
                return;
            }
            position = limit;
            if (!fill()) {
                return;
            }
        }
    }

    /** Reads more bytes after {@code limit}; false at end of stream. Keeps bytes from {@code position}. */
    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        if (position >= limit) {
            bufferOffset += limit;
            position = 0;
            limit = 0;
        }
        if (limit == buffer.length) {
            makeRoom(position);
        }
        int n = in.read(buffer, limit, buffer.length - limit);
        if (n < 0) {
            eof = true;
            return false;
        }
        limit += n;
        return true;
    }

    /** Moves bytes from {@code keep} to the front (growing if needed); returns keep's new index. */
    private int makeRoom(int keep) {
        int kept = limit - keep;
        if (kept >= buffer.length / 2) {
            if (buffer.length >= MAX_LINE) {
                throw new LineTooLongException(bufferOffset + keep, MAX_LINE);
            }
            byte[] larger = new byte[buffer.length * 2];
            System.arraycopy(buffer, keep, larger, 0, kept);
            buffer = larger;
        } else {
            System.arraycopy(buffer, keep, buffer, 0, kept);
        }
        bufferOffset += keep;
        position -= keep;
        limit = kept;
        return 0;
    }

    private int indexOfNewline(int from) {
        for (int i = from; i < limit; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private boolean isBlank(int start, int length) {
        for (int i = start; i < start + length; i++) {
            byte b = buffer[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** A line longer than the reader accepts; almost always a file that is not JSONL. */
    static final class LineTooLongException extends RuntimeException {
        final long offset;

        LineTooLongException(long offset, int limit) {
            super("a line starting at byte " + offset + " is longer than " + (limit >> 20) + " MiB");
            this.offset = offset;
        }
    }
}
