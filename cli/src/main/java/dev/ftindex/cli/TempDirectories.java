package dev.ftindex.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories a verb made for itself (the unpacked sample, a sorted delete list). */
final class TempDirectories {
    private TempDirectories() {}

    /** Removes {@code directory} and everything in it, as far as it can: a temp directory left behind is harmless. */
    static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Left for the system's temp cleanup.
        }
    }
}
