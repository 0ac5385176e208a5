package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bytes of a write, with their length known up front so that stores can stream them and
 * choose between a single and a multipart upload. A payload can be opened more than once
 * (retries re-read it).
 */
public sealed interface Payload {
    long length();

    InputStream open() throws IOException;

    static Payload of(byte[] bytes) {
        return new Bytes(bytes);
    }

    static Payload of(Path file) {
        return new File(file);
    }

    record Bytes(byte[] bytes) implements Payload {
        public Bytes {
            requireNonNull(bytes, "bytes is null");
        }

        @Override
        public long length() {
            return bytes.length;
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(bytes);
        }
    }

    record File(Path path) implements Payload {
        public File {
            requireNonNull(path, "path is null");
        }

        @Override
        public long length() {
            try {
                return Files.size(path);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the size of " + path, e);
            }
        }

        @Override
        public InputStream open() throws IOException {
            return Files.newInputStream(path);
        }
    }
}
