package dev.ftindex.objectstore.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted at a test's directory: a real filesystem that really fills up, so that
 * "No space left on device" comes from the kernel. Mounting needs root (or CAP_SYS_ADMIN); where
 * it is not allowed, {@link #mount} is empty and the test says it was skipped.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path directory;

    private Tmpfs(Path directory) {
        this.directory = directory;
    }

    /** Mounts a tmpfs of {@code bytes} at {@code directory} (created if needed), or empty if this machine refuses. */
    public static Optional<Tmpfs> mount(Path directory, long bytes) throws IOException, InterruptedException {
        if (!System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return Optional.empty();
        }
        Files.createDirectories(directory);
        try {
            if (run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", directory.toString()) != 0) {
                return Optional.empty();
            }
        } catch (IOException noMountCommand) {
            return Optional.empty();
        }
        return Optional.of(new Tmpfs(directory));
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (run("umount", "-l", directory.toString()) != 0) {
            throw new IOException("could not unmount the test tmpfs at " + directory);
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
