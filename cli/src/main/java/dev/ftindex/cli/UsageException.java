package dev.ftindex.cli;

import dev.ftindex.format.ErrorKind;

/** A command line that cannot be run as given (exit code 2). */
final class UsageException extends RuntimeException implements ErrorKind.Kinded {
    UsageException(String message) {
        super(message);
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.USAGE;
    }
}
