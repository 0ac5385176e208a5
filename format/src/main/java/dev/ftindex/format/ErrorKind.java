package dev.ftindex.format;

import dev.ftindex.objectstore.CorruptObjectException;
import dev.ftindex.objectstore.PermanentStorageException;
import dev.ftindex.objectstore.TransientStorageException;

/**
 * Every kind of failure ftindex reports, named once with what it means on each interface: its
 * wire name (a result's and an HTTP error body's {@code error.kind}, by {@link WireEnum}), the exit
 * code of a command that ends with it (docs/PROTOCOL.md, "Exit codes"), and the HTTP status of a
 * request that does. As Trino's {@code StandardErrorCode}: an exception says its kind
 * ({@link Kinded}); {@link #of} classifies the rest.
 */
public enum ErrorKind implements WireEnum {
    USAGE(2, 400),
    INVALID_SPEC(2, 400),
    INVALID_QUERY(2, 400),
    /** A query over one of the limits every search has (length, nesting, clauses, expansions, window): the message names it. */
    QUERY_LIMIT(2, 400),
    /** A query that ran past its deadline, without partial results asked for. */
    QUERY_TIMEOUT(75, 503),
    /** Access denied, no such bucket, a store that ignores If-None-Match: the configuration, not the request. */
    STORAGE_CONFIGURATION(2, 500),
    BAD_INPUT(3, 400),
    PARTITIONS_MISSING(4, 503),
    NOT_COMMITTED(4, 503),
    CONFLICT(5, 409),
    CORRUPT(6, 502),
    TRANSIENT(75, 503),
    WORK_DIRECTORY_FULL(75, 507),
    INTERNAL_ERROR(1, 500),
    /** The server has no verified generation open yet. */
    NOT_READY(4, 503),
    /** The server's searches are all busy and none finished in time. */
    OVERLOADED(75, 503),
    NOT_FOUND(2, 404),
    METHOD_NOT_ALLOWED(2, 405),
    URI_TOO_LONG(2, 414),
    /** A shard server was asked for a generation it does not have open (any more): the router moves to another. */
    GENERATION_NOT_OPEN(4, 410),
    /** Some partitions have no shard server that answered in time: the router's results would be incomplete. */
    SHARDS_UNAVAILABLE(75, 503);

    private final int exitCode;
    private final int httpStatus;

    ErrorKind(int exitCode, int httpStatus) {
        this.exitCode = exitCode;
        this.httpStatus = httpStatus;
    }

    /** The exit code of a command that fails with this kind. */
    public int exitCode() {
        return exitCode;
    }

    /** The HTTP status of a request that fails with this kind. */
    public int httpStatus() {
        return httpStatus;
    }

    /** An exception that says which kind of failure it is. */
    public interface Kinded {
        ErrorKind errorKind();
    }

    /** The kind of any failure: what it says of itself, else what its type means (storage errors are typed below this module). */
    public static ErrorKind of(Throwable failure) {
        return switch (failure) {
            case Kinded kinded -> kinded.errorKind();
            case PermanentStorageException ignored -> STORAGE_CONFIGURATION;
            case TransientStorageException ignored -> TRANSIENT;
            case CorruptObjectException ignored -> CORRUPT;
            case IllegalArgumentException ignored -> USAGE;
            default -> INTERNAL_ERROR;
        };
    }
}
