package dev.ftindex.format;

/** Input data that cannot be indexed, named by input and line (exit code 3). */
public final class BadInputException extends RuntimeException implements ErrorKind.Kinded {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.BAD_INPUT;
    }
}
