package dev.ftindex.builder;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** One input file, local or in a store, that can be read from any offset. */
public sealed interface InputFile {
    /** How the file is named in messages and fingerprints: a path or an {@code s3://} URI. */
    String name();

    long size();

    /**
     * Whether the file may be cut into byte ranges: only plain text can. A name that says
     * compressed is believed without a look (reading a file whole is always safe); any other file
     * is recognised by its first bytes, so a gzip file named {@code .jsonl} is never cut.
     */
    default boolean splittable() throws IOException {
        if (namedCompressed()) {
            return false;
        }
        byte[] head = new byte[InputFormat.MAGIC_LENGTH];
        int length;
        try (InputStream in = openFrom(0)) {
            length = in.readNBytes(head, 0, (int) Math.min(head.length, size()));
        }
        InputFormat format = InputFormat.of(head, length);
        if (format != InputFormat.JSON_LINES && format.ordinal() > InputFormat.ZSTD.ordinal()) {
            throw format.unsupported(name(), head, length);
        }
        return format.splittable();
    }

    /** Whether the name says gzip or zstd ({@code .gz}, {@code .zst}, {@code .zstd}). */
    default boolean namedCompressed() {
        String lower = name().toLowerCase(java.util.Locale.ROOT);
        return lower.endsWith(".gz") || lower.endsWith(".zst") || lower.endsWith(".zstd");
    }

    /** Opens the raw (still compressed) bytes from {@code offset} to the end. */
    InputStream openFrom(long offset) throws IOException;

    record Local(Path path, long size) implements InputFile {
        public Local {
            requireNonNull(path, "path is null");
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
    }

    record Stored(ObjectStore store, String key, long size) implements InputFile {
        public Stored {
            requireNonNull(store, "store is null");
            requireNonNull(key, "key is null");
        }

        @Override
        public String name() {
            return store.location() + key;
        }

        @Override
        public InputStream openFrom(long offset) {
            return store.get(key, offset == 0 ? ByteRange.ALL : ByteRange.from(offset));
        }
    }
}
