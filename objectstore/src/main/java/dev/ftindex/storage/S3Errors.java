package dev.ftindex.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one place that turns AWS SDK failures into {@link StorageException}s, by HTTP status and
 * S3 error code. No SDK exception leaves the S3 store untranslated.
 */
final class S3Errors {
    private static final Set<String> TRANSIENT_CODES = Set.of(
            "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
            "InternalError", "ServiceUnavailable", "ConditionalRequestConflict", "OperationAborted");

    private S3Errors() {}

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

    private static StorageException translateService(String location, String key, AwsServiceException e) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String detail = (code == null ? "" : code + ", ") + "HTTP " + status
                + (e.requestId() == null ? "" : ", request id " + e.requestId());
        if ("NoSuchBucket".equals(code)) {
            return new PermanentStorageException(location, key, "bucket does not exist (" + detail + ")", null);
        }
        if (status == 404) {
            return new ObjectNotFoundException(location, key, null);
        }
        if (status == 412) {
            return new PreconditionFailedException(location, key, "precondition failed (" + detail + ")", null);
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
