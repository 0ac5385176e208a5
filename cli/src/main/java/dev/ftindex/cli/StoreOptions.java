package dev.ftindex.cli;

import dev.ftindex.cli.Options.Option;
import dev.ftindex.storage.ObjectStore;
import dev.ftindex.storage.ObjectStores;
import dev.ftindex.storage.S3Settings;
import dev.ftindex.storage.StoreLocation;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** The options every verb shares to reach the index root, and the stores they open. */
final class StoreOptions implements AutoCloseable {
    static final List<Option> OPTIONS = List.of(
            Option.value("index", "URI", "the index root: s3://bucket/prefix, file:///path or a path").env("FTINDEX_INDEX"),
            Option.value("endpoint", "URL", "an S3-compatible endpoint such as MinIO (default: AWS, or AWS_ENDPOINT_URL);"
                    + " implies path-style access").env("AWS_ENDPOINT_URL_S3"),
            Option.value("region", "REGION", "the S3 region (default: AWS_REGION, the profile, else us-east-1)"),
            Option.flag("path-style", "address buckets as http://host/bucket (default with --endpoint)"),
            Option.flag("virtual-host", "address buckets as http://bucket.host even with --endpoint"),
            Option.value("profile", "NAME", "a profile of the shared AWS config and credentials files").env("AWS_PROFILE"),
            Option.value("sse", "MODE", "server-side encryption of every object written: none, s3 (SSE-S3) or kms (SSE-KMS)"),
            Option.value("sse-kms-key-id", "KEY", "the KMS key for --sse kms (default: the bucket's)"),
            Option.value("max-attempts", "N", "attempts per S3 request for throttling, 5xx and timeouts (default 10)"),
            Option.flag("allow-unsafe-overwrites", "accept a store that ignores If-None-Match (last writer wins:"
                    + " run one finalizer and one attempt per partition at a time)"));

    private final S3Settings settings;
    private final Map<String, String> environment;
    private final Map<String, ObjectStore> opened = new ConcurrentHashMap<>();

    StoreOptions(Options.Parsed args, Map<String, String> environment) {
        this.environment = environment;
        S3Settings.Builder builder = S3Settings.builder();
        args.optional("endpoint").ifPresent(endpoint -> {
            try {
                builder.endpoint(URI.create(endpoint));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--endpoint is not a URL: " + endpoint);
            }
        });
        args.optional("region").ifPresent(builder::region);
        if (args.flag("path-style") && args.flag("virtual-host")) {
            throw new UsageException("--path-style and --virtual-host exclude each other");
        }
        if (args.flag("path-style")) {
            builder.pathStyle(true);
        } else if (args.flag("virtual-host")) {
            builder.pathStyle(false);
        }
        args.optional("profile").ifPresent(builder::profile);
        String sse = args.optional("sse").orElse("none").toLowerCase(Locale.ROOT);
        Optional<String> kmsKey = args.optional("sse-kms-key-id");
        builder.encryption(switch (sse) {
            case "none" -> {
                if (kmsKey.isPresent()) {
                    throw new UsageException("--sse-kms-key-id needs --sse kms");
                }
                yield S3Settings.Encryption.NONE;
            }
            case "s3", "sse-s3", "aes256" -> S3Settings.Encryption.sseS3();
            case "kms", "sse-kms", "aws:kms" -> S3Settings.Encryption.sseKms(kmsKey);
            default -> throw new UsageException("--sse must be none, s3 or kms, not '" + sse + "'");
        });
        args.integer("max-attempts").ifPresent(builder::maxAttempts);
        builder.allowUnsafeOverwrites(args.flag("allow-unsafe-overwrites"));
        try {
            this.settings = builder.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static StoreLocation location(String text) {
        try {
            return StoreLocation.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--index: " + e.getMessage());
        }
    }

    /** The store at {@code location}; closed with these options. */
    ObjectStore open(StoreLocation location) {
        return opened.computeIfAbsent(location.uri(), uri -> ObjectStores.open(location, settings, environment));
    }

    /** Opens S3 input buckets with the same settings as the index. */
    Function<StoreLocation.S3, ObjectStore> inputStores() {
        return this::open;
    }

    @Override
    public void close() {
        opened.values().forEach(ObjectStore::close);
    }
}
