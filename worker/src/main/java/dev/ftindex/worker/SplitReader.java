package dev.ftindex.worker;

import dev.ftindex.format.BadInputException;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.StorageException;
import dev.ftindex.objectstore.TransientStorageException;
import dev.ftindex.worker.Assignment.Split;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.ZipException;

/**
 * Reads the JSON lines of one split: opens the file at the split's start, recognises its format
 * by its first bytes ({@link InputFormat}), decompresses where needed, and hands every line that
 * belongs to the split to a sink. The one place where input bytes become lines, for indexing and
 * for locating records afterwards.
 */
final class SplitReader {
    /** Receives lines; returns false to stop reading. */
    interface LineSink {
        boolean line(byte[] buffer, int start, int length, long lineNumber, long offset) throws IOException;
    }

    private SplitReader() {}

    /**
     * Reads every line of {@code split} into {@code sink}, counting raw bytes into {@code stage}.
     *
     * @return false, having read nothing, when the file is Parquet (its first bytes say so)
     * @throws BadInputException for a damaged or unreadable file, naming it
     */
    static boolean read(Split split, Stage stage, LineSink sink) throws IOException {
        InputFile file = split.file();
        long openAt = split.start() == 0 ? 0 : split.start() - 1;
        InputFormat format = InputFormat.JSON_LINES;
        try (InputStream raw = new BufferedInputStream(
                new ExactLengthStream(file.openFrom(openAt), file.size() - openAt, file.name(), stage), 1 << 16)) {
            InputStream text = raw;
            boolean whole = split.start() == 0;
            if (whole) {
                byte[] head = new byte[InputFormat.MAGIC_LENGTH];
                raw.mark(head.length);
                int length = raw.readNBytes(head, 0, head.length);
                raw.reset();
                format = InputFormat.of(head, length);
                if (format == InputFormat.PARQUET) {
                    return false;
                }
                text = format.decode(raw, file.name(), head, length);
                whole = !format.splittable();
            }
            // Compressed files are read to their end whatever the split says: they are never cut.
            long end = whole ? Long.MAX_VALUE : split.end();
            try (InputStream in = text) {
                LineReader lines = new LineReader(in, whole ? 0 : split.start(), end);
                while (lines.next()) {
                    if (!sink.line(lines.buffer(), lines.lineStart(), lines.lineLength(), lines.lineNumber(), lines.lineOffset())) {
                        return true;
                    }
                }
            }
            return true;
        } catch (ZipException | EOFException e) {
            throw damaged(file, format, e);
        } catch (LineReader.LineTooLongException e) {
            throw new BadInputException(file.name() + " at byte " + e.offset + ": " + e.getMessage() + " (is this JSONL?)", e);
        } catch (IOException e) {
            // zstd reports a damaged frame as a plain IOException with the decoder's words.
            if (e.getClass().getName().startsWith("com.github.luben.zstd")) {
                throw damaged(file, format, e);
            }
            throw e;
        }
    }

    /**
     * As {@link #read(Split, Stage, LineSink)}, from {@code resumeAt}: the offset of a line a
     * checkpoint recorded (0: the whole split). A plain file is opened there; a compressed one is
     * decompressed from its start and the lines before the offset are passed over.
     */
    static boolean read(Split split, long resumeAt, Stage stage, LineSink sink) throws IOException {
        if (resumeAt <= split.start()) {
            return read(split, stage, sink);
        }
        if (resumeAt > split.end() && split.file().format().splittable()) {
            throw new IllegalArgumentException(split.file().name() + ": a checkpoint at byte " + resumeAt + " is past its split's end "
                    + split.end());
        }
        if (split.file().format().splittable()) {
            // The byte before a line start is the newline ending the line before: the reader of a
            // split opened there starts at exactly that line.
            return read(new Split(split.file(), resumeAt, split.end()), stage, sink);
        }
        return read(split, stage, (buffer, start, length, lineNumber, offset) -> offset < resumeAt
                || sink.line(buffer, start, length, lineNumber, offset));
    }

    private static BadInputException damaged(InputFile file, InputFormat format, IOException e) {
        return new BadInputException(file.name() + ": truncated or corrupt " + format.codec() + " data: " + e.getMessage()
                + " (a damaged file cannot be skipped: replace it or remove it from the input)", e);
    }

    /**
     * Whether a split is to be read as Parquet without looking at it: a {@code .parquet} name, or
     * a split inside a file (only Parquet and plain text are cut, so one small read tells). Other
     * splits start at byte 0 and are recognised from the stream as it is read.
     */
    static boolean parquet(Split split) throws IOException {
        InputFile file = split.file();
        if (file.name().toLowerCase(java.util.Locale.ROOT).endsWith(".parquet")) {
            return true;
        }
        return split.start() > 0 && file.format() == InputFormat.PARQUET;
    }

    /** "name:line" where line numbers are exact, "name at byte N" inside a split file. */
    static String location(Split split, long lineNumber, long offset) {
        return split.fromStart() ? split.file().name() + ":" + lineNumber : split.file().name() + " at byte " + offset;
    }

    /**
     * Reads exactly the bytes the file had when it was listed: stops there even if the file has
     * grown, and fails if the stream ends early (a dropped connection must not look like the end
     * of the input, which would silently lose its last records).
     */
    private static final class ExactLengthStream extends FilterInputStream {
        private final String name;
        private final Stage stage;
        private final long expected;
        private long remaining;

        ExactLengthStream(InputStream in, long length, String name, Stage stage) {
            super(in);
            this.expected = length;
            this.remaining = length;
            this.name = name;
            this.stage = stage;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n;
            try {
                n = in.read(buffer, offset, (int) Math.min(length, remaining));
            } catch (IOException e) {
                if (e.getCause() instanceof StorageException storage) {
                    throw storage;
                }
                throw e;
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (n < 0) {
                // Unchecked, so that it passes through a decompressor unchanged and is not
                // mistaken for a truncated compressed file.
                throw new TransientStorageException(name, null, "the input ended after " + (expected - remaining) + " of "
                        + expected + " bytes (connection lost, or the file shrank while it was read)", null);
            }
            remaining -= n;
            stage.add(0, n);
            return n;
        }
    }
}
