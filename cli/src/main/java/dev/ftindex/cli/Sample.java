package dev.ftindex.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The bundled sample collection (samples/ in the source tree), unpacked for a run of `build`. */
final class Sample implements AutoCloseable {
    static final int FILES = 8;
    private static final String ROOT = "/dev/ftindex/cli/sample/";

    private final Path directory;

    private Sample(Path directory) {
        this.directory = directory;
    }

    static Sample unpack() {
        try {
            Path directory = Files.createTempDirectory("ftindex-sample-");
            Files.createDirectories(directory.resolve("docs"));
            copy("spec.json", directory.resolve("spec.json"));
            for (int i = 0; i < FILES; i++) {
                copy("docs/sample-" + i + ".jsonl.gz", directory.resolve("docs/sample-" + i + ".jsonl.gz"));
            }
            return new Sample(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the bundled sample: " + e.getMessage(), e);
        }
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = Sample.class.getResourceAsStream(ROOT + resource)) {
            if (in == null) {
                throw new IOException("the bundled sample is missing " + resource + " (a build without samples/?)");
            }
            Files.copy(in, target);
        }
    }

    Path docs() {
        return directory.resolve("docs");
    }

    Path spec() {
        return directory.resolve("spec.json");
    }

    @Override
    public void close() {
        TempDirectories.deleteRecursively(directory);
    }
}
