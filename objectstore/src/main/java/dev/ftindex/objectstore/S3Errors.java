package dev.ftindex.objectstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one place that reads S3's answers by HTTP status and error code: what an answer means
 * ({@link #kind}) and which {@link StorageException} it becomes ({@link #translate}). No other
 * class of the S3 store looks at a status code, and no SDK exception leaves the store
 * untranslated.
 */
final class S3Errors {
    private static final Set<String> TRANSIENT_CODES = Set.of(
            "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
            "InternalError", "ServiceUnavailable", "ConditionalRequestConflict", "OperationAborted");
    private static final Set<String> TRANSIENT_DELETE_CODES = Set.of("InternalError", "SlowDown", "ServiceUnavailable", "OperationAborted");

    private S3Errors() {}

    /** What an S3 answer means for the store's logic. */
    enum Kind {
        /** 404 for a key (not for the bucket). */
        NOT_FOUND,
        /** The bucket does not exist. */
        NO_SUCH_BUCKET,
        /** 412: an {@code If-None-Match} or {@code If-Match} condition failed. */
        PRECONDITION_FAILED,
        /** 416: a range beyond the end of the object (or an empty object). */
        RANGE_NOT_SATISFIABLE,
        /** 409 ConditionalRequestConflict: another conditional write to the key is in flight; ask again. */
        CONDITIONAL_CONFLICT,
        /** 400 or 501: the request itself is refused (to a conditional write: the store does not do them). */
        REJECTED,
        /** Anything else. */
        OTHER
    }

    static Kind kind(SdkException e) {
        if (!(e instanceof AwsServiceException service)) {
            return Kind.OTHER;
        }
        int status = service.statusCode();
        String code = code(service);
        if ("NoSuchBucket".equals(code)) {
            return Kind.NO_SUCH_BUCKET;
        }
        return switch (status) {
            case 404 -> Kind.NOT_FOUND;
            case 412 -> Kind.PRECONDITION_FAILED;
            case 416 -> Kind.RANGE_NOT_SATISFIABLE;
            case 409 -> "ConditionalRequestConflict".equals(code) || code == null ? Kind.CONDITIONAL_CONFLICT : Kind.OTHER;
            case 400, 501 -> Kind.REJECTED;
            default -> Kind.OTHER;
        };
    }

    /**
     * Whether the client should retry {@code e} itself: a conditional write that met another one
     * in flight (the SDK's standard strategy retries throttling, 5xx and timeouts already).
     */
    static boolean retryableByClient(Throwable e) {
        return e instanceof SdkException sdk && kind(sdk) == Kind.CONDITIONAL_CONFLICT;
    }

    static StorageException translate(String location, String key, SdkException e) {
        if (e instanceof AwsServiceException service) {
            return translateService(location, key, service);
        }
        if (e instanceof SdkClientException client) {
            String message = String.valueOf(client.getMessage());
            if (message.contains("Unable to load credentials") || message.contains("Unable to load region")
                    || message.contains("profile file")) {
                return new PermanentStorageException(location, key, "AWS configuration: " + message, null);
            }
            return new TransientStorageException(location, key, "cannot reach the store: " + describe(client), null);
        }
        return new TransientStorageException(location, key, "storage request failed", e);
    }

    static StorageException translate(String location, String key, UncheckedIOException e) {
        return new TransientStorageException(location, key, "I/O error", e.getCause());
    }

    static StorageException translate(String location, String key, IOException e) {
        return new TransientStorageException(location, key, "I/O error", e);
    }

    /** A copy's failure: the source is what is missing or changed, the target what the message names otherwise. */
    static StorageException translateCopy(String location, String sourceKey, String targetKey, SdkException e) {
        return switch (kind(e)) {
            case PRECONDITION_FAILED -> new PreconditionFailedException(location, sourceKey, "source changed during the copy to " + targetKey, null);
            case NOT_FOUND -> new ObjectNotFoundException(location, sourceKey, null);
            default -> translate(location, targetKey, e);
        };
    }

    /** One key's failure in a batch delete answer: throttling and server errors may pass, the rest will not. */
    static StorageException deleteFailure(String location, String key, String code, String message) {
        String problem = "delete failed (" + code + ": " + message + ")";
        return TRANSIENT_DELETE_CODES.contains(code)
                ? new TransientStorageException(location, key, problem, null)
                : new PermanentStorageException(location, key, problem, null);
    }

    private static StorageException translateService(String location, String key, AwsServiceException e) {
        int status = e.statusCode();
        String code = code(e);
        String detail = (code == null ? "" : code + ", ") + "HTTP " + status
                + (e.requestId() == null ? "" : ", request id " + e.requestId());
        switch (kind(e)) {
            case NO_SUCH_BUCKET -> {
                return new PermanentStorageException(location, key, "bucket does not exist (" + detail + ")", null);
            }
            case NOT_FOUND -> {
                return new ObjectNotFoundException(location, key, null);
            }
            case PRECONDITION_FAILED -> {
                return new PreconditionFailedException(location, key, "precondition failed (" + detail + ")", null);
            }
            default -> {
            }
        }
        if (status == 401 || status == 403) {
            return new PermanentStorageException(location, key,
                    "access denied: check the credentials and their permissions (" + detail + ")", null);
        }
        if ((code != null && TRANSIENT_CODES.contains(code)) || status == 408 || status == 429 || status == 409
                || (status >= 500 && status != 501)) {
            return new TransientStorageException(location, key, "store is unavailable or throttling (" + detail + ")", null);
        }
        return new PermanentStorageException(location, key, "request rejected (" + detail + ")"
                + (e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                        ? ": " + e.awsErrorDetails().errorMessage() : ""), null);
    }

    private static String code(AwsServiceException e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        Throwable cause = e.getCause();
        for (int depth = 0; cause != null && depth < 3; depth++, cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(" (").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage()).append(')');
            }
        }
        return text.toString();
    }
}
