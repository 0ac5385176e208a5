package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.BadInputException;
import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Locale;

/** One input file, local or in a store, that can be read from any offset, or in ranges. */
public sealed interface InputFile {
    /** How the file is named in messages and fingerprints: a path or an {@code s3://} URI. */
    String name();

    long size();

    /**
     * Whether the file may be cut into byte ranges: plain text can (a record belongs to the
     * range holding its first byte), and Parquet can (a row group belongs to the range holding
     * its middle); compressed text cannot. A name that says compressed is believed without a look
     * (reading a file whole is always safe); any other file is recognised by its first bytes, so
     * a gzip file named {@code .jsonl} is never cut.
     */
    default boolean splittable() throws IOException {
        if (namedCompressed()) {
            return false;
        }
        if (name().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
            return true;
        }
        InputFormat format = format();
        if (!format.readable()) {
            byte[] head = head();
            throw format.unsupported(name(), head, head.length);
        }
        return format.splittable();
    }

    /** Whether the name says gzip or zstd ({@code .gz}, {@code .zst}, {@code .zstd}). */
    default boolean namedCompressed() {
        String lower = name().toLowerCase(Locale.ROOT);
        return lower.endsWith(".gz") || lower.endsWith(".zst") || lower.endsWith(".zstd");
    }

    /** What the file holds, by its first bytes (one small read). */
    default InputFormat format() throws IOException {
        byte[] head = head();
        return InputFormat.of(head, head.length);
    }

    /** The file's first bytes, enough to tell every {@link InputFormat} apart. */
    private byte[] head() throws IOException {
        ByteBuffer head = readRange(0, (int) Math.min(InputFormat.MAGIC_LENGTH, size()));
        byte[] bytes = new byte[head.remaining()];
        head.get(bytes);
        return bytes;
    }

    /** Opens the raw (still compressed) bytes from {@code offset} to the end. */
    InputStream openFrom(long offset) throws IOException;

    /**
     * Reads exactly {@code length} bytes at {@code offset}.
     *
     * @throws BadInputException if the file is not what it was when it was listed (another size,
     *     another version): reading on would mix two versions of it
     */
    ByteBuffer readRange(long offset, int length) throws IOException;

    record Local(Path path, long size, FileTime modified) implements InputFile {
        public Local {
            requireNonNull(path, "path is null");
        }

        public Local(Path path, long size) {
            this(path, size, null);
        }

        @Override
        public String name() {
            return path.toString();
        }

        @Override
        public InputStream openFrom(long offset) throws IOException {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            channel.position(offset);
            return Channels.newInputStream(channel);
        }

        @Override
        public ByteBuffer readRange(long offset, int length) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                if (channel.size() != size || (modified != null && !modified.equals(Files.getLastModifiedTime(path)))) {
                    throw changed(this, "now " + channel.size() + " bytes, modified " + Files.getLastModifiedTime(path));
                }
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, offset + buffer.position()) < 0) {
                        throw new EOFException(path + ": ended at byte " + (offset + buffer.position()) + " of a read up to "
                                + (offset + length));
                    }
                }
            }
            return buffer.flip();
        }
    }

    /** An object in a store, as it was listed: its size and etag tell whether it changed since. */
    record Stored(ObjectStore store, String key, long size, String etag) implements InputFile {
        public Stored {
            requireNonNull(store, "store is null");
            requireNonNull(key, "key is null");
        }

        public Stored(ObjectStore store, String key, long size) {
            this(store, key, size, null);
        }

        @Override
        public String name() {
            return store.location() + key;
        }

        @Override
        public InputStream openFrom(long offset) {
            return store.get(key, offset == 0 ? ByteRange.ALL : ByteRange.from(offset));
        }

        @Override
        public ByteBuffer readRange(long offset, int length) throws IOException {
            try (ObjectStream stream = store.get(key, ByteRange.of(offset, length))) {
                String now = stream.object().etag();
                if (stream.object().size() != size || (etag != null && !etag.isEmpty() && !now.isEmpty() && !etag.equals(now))) {
                    throw changed(this, "now " + stream.object().size() + " bytes, etag " + now);
                }
                byte[] bytes = stream.readAllRemaining();
                if (bytes.length != length) {
                    throw new EOFException(name() + ": a read of " + length + " bytes at " + offset + " returned " + bytes.length);
                }
                return ByteBuffer.wrap(bytes);
            }
        }
    }

    private static BadInputException changed(InputFile file, String now) {
        return new BadInputException(file.name() + " changed while it was read (it had " + file.size() + " bytes when listed; "
                + now + "): rebuild once the input is stable");
    }
}
