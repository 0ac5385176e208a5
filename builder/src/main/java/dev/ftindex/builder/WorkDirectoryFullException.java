package dev.ftindex.builder;

import dev.ftindex.format.ErrorKind;
import dev.ftindex.format.progress.ByteSizes;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The worker's local work directory ran out of space while the partition was built. Nothing
 * was staged and the work directory was removed; the run may succeed again elsewhere (a node
 * with more disk, a larger {@code --work-dir}), so it is retryable (exit 75).
 */
public final class WorkDirectoryFullException extends RuntimeException implements ErrorKind.Kinded {
    private final Path directory;
    private final long usableBytes;

    private WorkDirectoryFullException(Path directory, long usableBytes, IOException cause) {
        super("the work directory " + directory.toAbsolutePath() + " is full (" + describe(usableBytes) + " free): " + cause.getMessage()
                + "; nothing was staged: give --work-dir more space, or run the worker where there is more", cause);
        this.directory = directory;
        this.usableBytes = usableBytes;
    }

    public Path directory() {
        return directory;
    }

    /** Free bytes left when the failure was seen, or -1 if the filesystem could not tell. */
    public long usableBytes() {
        return usableBytes;
    }

    /**
     * The disk-full failure behind {@code failure} (itself, a cause, or a suppressed error), as
     * an exception about {@code directory}; empty when the failure has another reason.
     */
    /** {@code failure}, or the full work directory it comes from (with {@code failure} attached): reported first. */
    public static RuntimeException orElse(RuntimeException failure, Path directory) {
        Optional<WorkDirectoryFullException> full = of(failure, directory);
        if (full.isEmpty()) {
            return failure;
        }
        full.get().addSuppressed(failure);
        return full.get();
    }

    static Optional<WorkDirectoryFullException> of(Throwable failure, Path directory) {
        return noSpace(failure, new HashSet<>()).map(cause -> new WorkDirectoryFullException(directory, usable(directory), cause));
    }

    private static Optional<IOException> noSpace(Throwable failure, Set<Throwable> seen) {
        if (failure == null || !seen.add(failure)) {
            return Optional.empty();
        }
        if (failure instanceof IOException io && isNoSpace(io)) {
            return Optional.of(io);
        }
        Optional<IOException> found = noSpace(failure.getCause(), seen);
        for (Throwable suppressed : failure.getSuppressed()) {
            if (found.isPresent()) {
                break;
            }
            found = noSpace(suppressed, seen);
        }
        return found;
    }

    /** ENOSPC and EDQUOT, as the JDK words them on Linux, macOS and Windows. */
    private static boolean isNoSpace(IOException e) {
        String text = (e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : String.valueOf(e.getMessage()))
                .toLowerCase(Locale.ROOT);
        return text.contains("no space left on device") || text.contains("disk quota exceeded")
                || text.contains("not enough space on the disk");
    }

    private static long usable(Path directory) {
        try {
            Path existing = directory;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            return existing == null ? -1 : Files.getFileStore(existing).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String describe(long bytes) {
        return bytes < 0 ? "unknown space" : ByteSizes.format(bytes);
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.WORK_DIRECTORY_FULL;
    }
}
