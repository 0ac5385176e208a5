package dev.ftindex.server;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.ErrorKind;

/** A request the server does not answer with hits, and which kind of failure that is (its HTTP status and error body). */
final class ServerException extends RuntimeException implements ErrorKind.Kinded {
    private final ErrorKind kind;

    ServerException(ErrorKind kind, String message) {
        super(message);
        this.kind = requireNonNull(kind, "kind is null");
    }

    @Override
    public ErrorKind errorKind() {
        return kind;
    }
}
