package dev.ftindex.format;

/**
 * The index root is in a state that this run must not change: already committed by another
 * plan, partitions built with different specs, or inputs that changed between workers. Retrying
 * will not help; a person must look (exit code 5).
 */
public final class ConflictException extends RuntimeException implements ErrorKind.Kinded {
    public ConflictException(String message) {
        super(message);
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.CONFLICT;
    }
}
