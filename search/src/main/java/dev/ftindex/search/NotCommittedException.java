package dev.ftindex.search;

/**
 * The index root has no {@code metadata.lance}: it was never finalized (or is the wrong root).
 * Waiting for the finalizer may help (exit code 4).
 */
public final class NotCommittedException extends RuntimeException {
    public NotCommittedException(String root) {
        super(root + " is not a committed index (no metadata.lance): run `ftindex finalize`, and see `ftindex status` for what is staged");
    }
}
