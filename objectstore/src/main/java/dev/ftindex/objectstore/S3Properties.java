package dev.ftindex.objectstore;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The store's settings as named properties, as Iceberg's {@code S3FileIOProperties} declares
 * them: each key, its default and its validation written once, for every engine that configures
 * a store from strings (the CLI's options, Spark's write options). An engine spells the keys its
 * own way (the CLI as {@code --max-attempts}); {@link InvalidProperty} names the key, so the engine
 * can name its spelling.
 */
public final class S3Properties {
    /** An S3-compatible endpoint (MinIO); implies path-style access unless {@link #PATH_STYLE} says otherwise. */
    public static final String ENDPOINT = "endpoint";
    public static final String REGION = "region";
    /** {@code true}: http://host/bucket; {@code false}: http://bucket.host; absent: path-style exactly when an endpoint is given. */
    public static final String PATH_STYLE = "pathStyle";
    /** A profile of the shared AWS config and credentials files. */
    public static final String PROFILE = "profile";
    /** Server-side encryption of every object written: {@code none} (default), {@code s3} or {@code kms}. */
    public static final String SSE = "sse";
    /** The KMS key for {@code sse=kms} (default: the bucket's). */
    public static final String SSE_KMS_KEY_ID = "sseKmsKeyId";
    /** Attempts per S3 request for throttling, 5xx and timeouts: {@link #MAX_ATTEMPTS_DEFAULT}, at most {@link #MAX_ATTEMPTS_LIMIT}. */
    public static final String MAX_ATTEMPTS = "maxAttempts";
    /** Accept a store that ignores {@code If-None-Match} (last writer wins). */
    public static final String ALLOW_UNSAFE_OVERWRITES = "allowUnsafeOverwrites";

    /** Every key, in the order the help lists them. */
    public static final List<String> KEYS = List.of(ENDPOINT, REGION, PATH_STYLE, PROFILE, SSE, SSE_KMS_KEY_ID, MAX_ATTEMPTS,
            ALLOW_UNSAFE_OVERWRITES);

    public static final int MAX_ATTEMPTS_DEFAULT = 10;
    public static final int MAX_ATTEMPTS_LIMIT = 100;

    private S3Properties() {}

    /** A property whose value cannot be used: names the key and what it must be. */
    public static final class InvalidProperty extends IllegalArgumentException {
        private final String key;
        private final String problem;

        InvalidProperty(String key, String problem) {
            super(key + ": " + problem);
            this.key = key;
            this.problem = problem;
        }

        /** The key, as {@link S3Properties} declares it. */
        public String key() {
            return key;
        }

        /** What is wrong, without the key. */
        public String problem() {
            return problem;
        }
    }

    /**
     * Settings from properties; absent keys take their defaults. Keys are read with
     * {@code properties.get(KEY)}, so a case-insensitive map (Spark's options) is read as such.
     *
     * @throws InvalidProperty naming the first key whose value cannot be used
     */
    public static S3Settings fromProperties(Map<String, String> properties) {
        S3Settings.Builder builder = S3Settings.builder();
        value(properties, ENDPOINT).ifPresent(endpoint -> {
            try {
                builder.endpoint(URI.create(endpoint));
            } catch (IllegalArgumentException e) {
                throw new InvalidProperty(ENDPOINT, "not a URL: " + endpoint);
            }
        });
        value(properties, REGION).ifPresent(builder::region);
        value(properties, PATH_STYLE).ifPresent(text -> builder.pathStyle(bool(PATH_STYLE, text)));
        value(properties, PROFILE).ifPresent(builder::profile);
        try {
            builder.encryption(S3Settings.Encryption.parse(value(properties, SSE).orElse("none"), value(properties, SSE_KMS_KEY_ID)));
        } catch (IllegalArgumentException e) {
            throw new InvalidProperty(SSE, e.getMessage());
        }
        value(properties, MAX_ATTEMPTS).ifPresent(text -> builder.maxAttempts(integer(MAX_ATTEMPTS, text, 1, MAX_ATTEMPTS_LIMIT)));
        value(properties, ALLOW_UNSAFE_OVERWRITES).ifPresent(text -> builder.allowUnsafeOverwrites(bool(ALLOW_UNSAFE_OVERWRITES, text)));
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidProperty(ENDPOINT, e.getMessage());
        }
    }

    private static Optional<String> value(Map<String, String> properties, String key) {
        return Optional.ofNullable(properties.get(key)).map(String::strip).filter(text -> !text.isEmpty());
    }

    /** {@code true}, {@code yes} or {@code 1}; {@code false}, {@code no} or {@code 0}. */
    public static boolean bool(String key, String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new InvalidProperty(key, "must be true or false, not '" + text + "'");
        };
    }

    private static int integer(String key, String text, int min, int max) {
        int value;
        try {
            value = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidProperty(key, "must be a whole number, not '" + text + "'");
        }
        if (value < min || value > max) {
            throw new InvalidProperty(key, "must be " + min + " to " + max + ", not " + value);
        }
        return value;
    }
}
