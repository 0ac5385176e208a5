package dev.ftindex.build;

import static java.util.Objects.requireNonNull;

import dev.ftindex.storage.ByteRange;
import dev.ftindex.storage.ObjectStore;
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

    /** Gzip-compressed files are read whole; others may be split by byte ranges. */
    default boolean compressed() {
        return name().endsWith(".gz");
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
