package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach and write to S3 or an S3-compatible store. Everything left empty comes from the
 * standard AWS configuration: environment ({@code AWS_REGION}, {@code AWS_ENDPOINT_URL},
 * {@code AWS_ACCESS_KEY_ID}...), the shared config and credentials files, and instance roles.
 *
 * <p>Settings (all through {@link #builder}):
 *
 * @param endpoint a non-AWS endpoint such as MinIO; when set, path-style access is the default
 * @param region the signing region; defaults to the AWS chain, else {@code us-east-1}
 * @param pathStyle force path-style ({@code http://host/bucket/key}) or virtual-host access
 * @param profile a named profile of the shared AWS config files
 * @param credentials explicit credentials (tests, or a store's own configuration); never logged
 * @param encryption server-side encryption for every object written
 * @param multipartUploadThreshold payloads larger than this are uploaded in parts
 * @param uploadPartSize part size for multipart uploads (at least 5 MiB)
 * @param multipartCopyThreshold objects larger than this are copied part by part (at most 5 GiB)
 * @param copyPartSize part size of multipart copies (5 MiB to 5 GiB)
 * @param maxAttempts attempts per request including the first, for transient errors (the
 *     client's retries, backoff with full jitter like {@link Retry}; see docs/PROTOCOL.md)
 * @param attemptTimeout the longest one attempt of a request may take until its response starts
 * @param callTimeout the longest one request may take with all its attempts and waits
 * @param maxConnections HTTP connection pool size
 * @param transferConcurrency parts transferred at once by one store
 * @param allowUnsafeOverwrites accept a store that ignores {@code If-None-Match}: create-only
 *     writes become last-writer-wins, so concurrent finalizers or duplicate workers are no
 *     longer safe; a warning says so
 */
public final class S3Settings {
    static final long MIB = 1024L * 1024;
    static final long MIN_PART = 5 * MIB;
    static final long MAX_PART = 5 * 1024 * MIB;

    private final Optional<URI> endpoint;
    private final Optional<String> region;
    private final Optional<Boolean> pathStyle;
    private final Optional<String> profile;
    private final Optional<Credentials> credentials;
    private final Encryption encryption;
    private final long multipartUploadThreshold;
    private final long uploadPartSize;
    private final long multipartCopyThreshold;
    private final long copyPartSize;
    private final int maxAttempts;
    private final Duration attemptTimeout;
    private final Duration callTimeout;
    private final int maxConnections;
    private final int transferConcurrency;
    private final boolean allowUnsafeOverwrites;

    private S3Settings(Builder b) {
        this.endpoint = b.endpoint;
        this.region = b.region;
        this.pathStyle = b.pathStyle;
        this.profile = b.profile;
        this.credentials = b.credentials;
        this.encryption = b.encryption;
        this.multipartUploadThreshold = b.multipartUploadThreshold;
        this.uploadPartSize = b.uploadPartSize;
        this.multipartCopyThreshold = b.multipartCopyThreshold;
        this.copyPartSize = b.copyPartSize;
        this.maxAttempts = b.maxAttempts;
        this.attemptTimeout = b.attemptTimeout;
        this.callTimeout = b.callTimeout;
        this.maxConnections = b.maxConnections;
        this.transferConcurrency = b.transferConcurrency;
        this.allowUnsafeOverwrites = b.allowUnsafeOverwrites;
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(region, "region is null");
        requireNonNull(pathStyle, "pathStyle is null");
        requireNonNull(profile, "profile is null");
        requireNonNull(credentials, "credentials is null");
        requireNonNull(encryption, "encryption is null");
        endpoint.ifPresent(uri -> {
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("endpoint must be an http:// or https:// URL with a host: " + uri);
            }
        });
        checkPart("uploadPartSize", uploadPartSize);
        checkPart("copyPartSize", copyPartSize);
        if (multipartUploadThreshold < uploadPartSize) {
            throw new IllegalArgumentException("multipartUploadThreshold must be at least uploadPartSize");
        }
        if (multipartCopyThreshold < 0 || multipartCopyThreshold > MAX_PART) {
            throw new IllegalArgumentException("multipartCopyThreshold must be between 0 and 5 GiB: " + multipartCopyThreshold);
        }
        if (maxAttempts < 1 || maxConnections < 1 || transferConcurrency < 1) {
            throw new IllegalArgumentException("maxAttempts, maxConnections and transferConcurrency must be positive");
        }
        if (attemptTimeout.isNegative() || attemptTimeout.isZero() || callTimeout.compareTo(attemptTimeout) < 0) {
            throw new IllegalArgumentException("the attempt timeout must be positive and at most the call timeout");
        }
    }

    public Optional<URI> endpoint() {
        return endpoint;
    }

    public Optional<String> region() {
        return region;
    }

    public Optional<Boolean> pathStyle() {
        return pathStyle;
    }

    public Optional<String> profile() {
        return profile;
    }

    public Optional<Credentials> credentials() {
        return credentials;
    }

    public Encryption encryption() {
        return encryption;
    }

    public long multipartUploadThreshold() {
        return multipartUploadThreshold;
    }

    public long uploadPartSize() {
        return uploadPartSize;
    }

    public long multipartCopyThreshold() {
        return multipartCopyThreshold;
    }

    public long copyPartSize() {
        return copyPartSize;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration attemptTimeout() {
        return attemptTimeout;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int transferConcurrency() {
        return transferConcurrency;
    }

    public boolean allowUnsafeOverwrites() {
        return allowUnsafeOverwrites;
    }

    private static void checkPart(String name, long size) {
        if (size < MIN_PART || size > MAX_PART) {
            throw new IllegalArgumentException(name + " must be between 5 MiB and 5 GiB: " + size);
        }
    }

    public static S3Settings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.endpoint = endpoint;
        builder.region = region;
        builder.pathStyle = pathStyle;
        builder.profile = profile;
        builder.credentials = credentials;
        builder.encryption = encryption;
        builder.multipartUploadThreshold = multipartUploadThreshold;
        builder.uploadPartSize = uploadPartSize;
        builder.multipartCopyThreshold = multipartCopyThreshold;
        builder.copyPartSize = copyPartSize;
        builder.maxAttempts = maxAttempts;
        builder.attemptTimeout = attemptTimeout;
        builder.callTimeout = callTimeout;
        builder.maxConnections = maxConnections;
        builder.transferConcurrency = transferConcurrency;
        builder.allowUnsafeOverwrites = allowUnsafeOverwrites;
        return builder;
    }

    /** The endpoint to use: the explicit one, else {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL}. */
    Optional<URI> effectiveEndpoint(Map<String, String> environment) {
        if (endpoint.isPresent()) {
            return endpoint;
        }
        for (String variable : new String[] {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                return Optional.of(URI.create(value.strip()));
            }
        }
        return Optional.empty();
    }

    /** An access key pair. {@link #toString()} never shows the secret. */
    public record Credentials(String accessKeyId, String secretAccessKey, Optional<String> sessionToken) {
        public Credentials {
            requireNonNull(accessKeyId, "accessKeyId is null");
            requireNonNull(secretAccessKey, "secretAccessKey is null");
            requireNonNull(sessionToken, "sessionToken is null");
        }

        public Credentials(String accessKeyId, String secretAccessKey) {
            this(accessKeyId, secretAccessKey, Optional.empty());
        }

        @Override
        public String toString() {
            return "Credentials[accessKeyId=" + accessKeyId + ", secretAccessKey=****"
                    + (sessionToken.isPresent() ? ", sessionToken=****" : "") + "]";
        }
    }

    /** Server-side encryption applied to every write (put, multipart upload, copy). */
    public record Encryption(Mode mode, Optional<String> kmsKeyId) {
        public enum Mode {
            NONE,
            /** S3-managed keys ({@code AES256}). */
            SSE_S3,
            /** AWS KMS, with the bucket's default key or {@link #kmsKeyId()}. */
            SSE_KMS
        }

        public static final Encryption NONE = new Encryption(Mode.NONE, Optional.empty());

        public Encryption {
            requireNonNull(mode, "mode is null");
            requireNonNull(kmsKeyId, "kmsKeyId is null");
            if (kmsKeyId.isPresent() && mode != Mode.SSE_KMS) {
                throw new IllegalArgumentException("a KMS key id needs SSE-KMS encryption");
            }
        }

        public static Encryption sseS3() {
            return new Encryption(Mode.SSE_S3, Optional.empty());
        }

        public static Encryption sseKms(Optional<String> keyId) {
            return new Encryption(Mode.SSE_KMS, keyId);
        }

        /**
         * As people name it on a command line or in a Spark option: {@code none}, {@code s3}
         * ({@code sse-s3}, {@code aes256}) or {@code kms} ({@code sse-kms}, {@code aws:kms}).
         *
         * @throws IllegalArgumentException naming what is accepted
         */
        public static Encryption parse(String mode, Optional<String> kmsKeyId) {
            return switch (mode.toLowerCase(java.util.Locale.ROOT)) {
                case "none" -> {
                    if (kmsKeyId.isPresent()) {
                        throw new IllegalArgumentException("a KMS key id needs SSE-KMS encryption (kms)");
                    }
                    yield NONE;
                }
                case "s3", "sse-s3", "aes256" -> {
                    if (kmsKeyId.isPresent()) {
                        throw new IllegalArgumentException("a KMS key id needs SSE-KMS encryption (kms), not s3");
                    }
                    yield sseS3();
                }
                case "kms", "sse-kms", "aws:kms" -> sseKms(kmsKeyId);
                default -> throw new IllegalArgumentException("server-side encryption must be none, s3 or kms, not '" + mode + "'");
            };
        }
    }

    public static final class Builder {
        private Optional<URI> endpoint = Optional.empty();
        private Optional<String> region = Optional.empty();
        private Optional<Boolean> pathStyle = Optional.empty();
        private Optional<String> profile = Optional.empty();
        private Optional<Credentials> credentials = Optional.empty();
        private Encryption encryption = Encryption.NONE;
        private long multipartUploadThreshold = 64 * MIB;
        private long uploadPartSize = 16 * MIB;
        private long multipartCopyThreshold = 512 * MIB;
        private long copyPartSize = 256 * MIB;
        private int maxAttempts = S3Properties.MAX_ATTEMPTS_DEFAULT;
        private Duration attemptTimeout = Duration.ofMinutes(2);
        private Duration callTimeout = Duration.ofMinutes(5);
        private int maxConnections = 64;
        private int transferConcurrency = 8;
        private boolean allowUnsafeOverwrites;

        private Builder() {}

        public Builder endpoint(URI endpoint) {
            this.endpoint = Optional.ofNullable(endpoint);
            return this;
        }

        public Builder region(String region) {
            this.region = Optional.ofNullable(region);
            return this;
        }

        public Builder pathStyle(Boolean pathStyle) {
            this.pathStyle = Optional.ofNullable(pathStyle);
            return this;
        }

        public Builder profile(String profile) {
            this.profile = Optional.ofNullable(profile);
            return this;
        }

        public Builder credentials(Credentials credentials) {
            this.credentials = Optional.ofNullable(credentials);
            return this;
        }

        public Builder encryption(Encryption encryption) {
            this.encryption = requireNonNull(encryption, "encryption is null");
            return this;
        }

        public Builder multipartUploadThreshold(long bytes) {
            this.multipartUploadThreshold = bytes;
            return this;
        }

        public Builder uploadPartSize(long bytes) {
            this.uploadPartSize = bytes;
            return this;
        }

        public Builder multipartCopyThreshold(long bytes) {
            this.multipartCopyThreshold = bytes;
            return this;
        }

        public Builder copyPartSize(long bytes) {
            this.copyPartSize = bytes;
            return this;
        }

        public Builder maxAttempts(int attempts) {
            this.maxAttempts = attempts;
            return this;
        }

        public Builder attemptTimeout(Duration timeout) {
            this.attemptTimeout = requireNonNull(timeout, "timeout is null");
            return this;
        }

        public Builder callTimeout(Duration timeout) {
            this.callTimeout = requireNonNull(timeout, "timeout is null");
            return this;
        }

        public Builder maxConnections(int connections) {
            this.maxConnections = connections;
            return this;
        }

        public Builder transferConcurrency(int concurrency) {
            this.transferConcurrency = concurrency;
            return this;
        }

        public Builder allowUnsafeOverwrites(boolean allow) {
            this.allowUnsafeOverwrites = allow;
            return this;
        }

        public S3Settings build() {
            return new S3Settings(this);
        }
    }
}
