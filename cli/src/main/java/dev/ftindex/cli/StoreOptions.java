package dev.ftindex.cli;

import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.S3Properties;
import dev.ftindex.objectstore.S3Settings;
import dev.ftindex.objectstore.StoreLocation;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** How every verb reaches its index root and S3: a mixin. {@link #open} gives the stores. */
final class StoreOptions {
    @ArgGroup(validate = false, heading = "%nIndex root and S3:%n", order = 90)
    Group group = new Group();

    static final class Group {
        @Option(names = "--index", paramLabel = "URI", description = "the index root: s3://bucket/prefix, file:///path or a path")
        @Env("FTINDEX_INDEX")
        String index;

        @Option(names = "--collection", paramLabel = "URI", description = "a collection of generations (s3://bucket/products or a path):"
                + " with --generation, that generation's root; alone, the generation its alias names")
        @Env("FTINDEX_COLLECTION")
        String collection;

        @Option(names = "--generation", paramLabel = "ID", description = "a generation of --collection: 1 to 64 letters, digits, '.', '_'"
                + " and '-' (e.g. 2026-12-01)")
        @Env("FTINDEX_GENERATION")
        String generation;

        @Option(names = "--endpoint", paramLabel = "URL", description = "an S3-compatible endpoint such as MinIO (default: AWS, or"
                + " AWS_ENDPOINT_URL); implies path-style access")
        @Env("AWS_ENDPOINT_URL_S3")
        String endpoint;

        @Option(names = "--region", paramLabel = "REGION", description = "the S3 region (default: AWS_REGION, the profile, else us-east-1)")
        String region;

        @Option(names = "--path-style", description = "address buckets as http://host/bucket (default with --endpoint)")
        boolean pathStyle;

        @Option(names = "--virtual-host", description = "address buckets as http://bucket.host even with --endpoint")
        boolean virtualHost;

        @Option(names = "--profile", paramLabel = "NAME", description = "a profile of the shared AWS config and credentials files")
        @Env("AWS_PROFILE")
        String profile;

        @Option(names = "--sse", paramLabel = "MODE", description = "server-side encryption of every object written: none, s3 (SSE-S3)"
                + " or kms (SSE-KMS)")
        String sse = "none";

        @Option(names = "--sse-kms-key-id", paramLabel = "KEY", description = "the KMS key for --sse kms (default: the bucket's)")
        String sseKmsKeyId;

        @Option(names = "--max-attempts", paramLabel = "N", description = "attempts per S3 request for throttling, 5xx and timeouts"
                + " (default 10)")
        Integer maxAttempts;

        @Option(names = "--allow-unsafe-overwrites", description = "accept a store that ignores If-None-Match (last writer wins: run one"
                + " finalizer and one attempt per partition at a time)")
        boolean allowUnsafeOverwrites;
    }

    /**
     * The index root a writer (build, build-partition, finalize) writes: {@code --index}, or
     * {@code --collection C --generation G}, which is {@code C/generations/G/}.
     */
    StoreLocation index() {
        if (group.collection != null && !group.collection.isBlank()) {
            if (group.index != null && !group.index.isBlank()) {
                throw new UsageException("give --index or --collection with --generation, not both");
            }
            if (group.generation == null || group.generation.isBlank()) {
                throw new UsageException("--collection needs --generation ID here: the generation this run builds (a new id per rebuild,"
                        + " e.g. --generation 2026-12-01)");
            }
            return generationRoot(collection(), group.generation);
        }
        if (group.generation != null && !group.generation.isBlank()) {
            throw new UsageException("--generation needs --collection URI");
        }
        return location(group.index, "--index", "--index is required (or --collection with --generation; or set FTINDEX_INDEX)");
    }

    /**
     * The committed root a verb starts from ({@code compact --base}): with {@code --collection}, a
     * generation id of it; else an index root URI.
     */
    StoreLocation base(String base, String option) {
        if (base == null || base.isBlank()) {
            throw new UsageException(option + " is required: the committed index (with --collection: a generation id of it)");
        }
        if (group.collection != null && !group.collection.isBlank()) {
            try {
                return collection().resolve(CollectionLayout.generationPrefix(base));
            } catch (IllegalArgumentException e) {
                throw new UsageException(option + ": " + e.getMessage());
            }
        }
        return location(base, option, option + " is required");
    }

    /** The root a writer writes and a committed root it reads ({@code --base}), and the base's generation id if it is one. */
    record Views(ObjectStore index, ObjectStore base, Optional<String> baseGeneration) {}

    /**
     * {@link #index} and {@link #base}, opened as views of one store where they share a bucket or a
     * directory tree (a collection's generations always do), so the base's files are copied
     * server-side ({@link ObjectStores#openTogether}).
     */
    Views withBase(Stores stores, String base, String option) {
        StoreLocation baseLocation = base(base, option);
        StoreLocation indexLocation = index();
        boolean collection = group.collection != null && !group.collection.isBlank();
        if (indexLocation.uri().equals(baseLocation.uri())) {
            throw new UsageException(option + " is the " + (collection ? "generation" : "index root") + " this run writes: an append"
                    + " writes a new one");
        }
        List<ObjectStore> roots = ObjectStores.openTogether(indexLocation, baseLocation, stores::open);
        return new Views(roots.get(0), roots.get(1), collection ? Optional.of(base) : Optional.empty());
    }

    /** {@code --collection}, for the verbs that change a collection (publish, rollback, gc). */
    StoreLocation collection() {
        return location(group.collection, "--collection", "--collection is required (or set FTINDEX_COLLECTION)");
    }

    /** {@code --generation}, if given. */
    Optional<String> generation() {
        if (group.generation == null || group.generation.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(CollectionLayout.checkGeneration(group.generation));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--generation: " + e.getMessage());
        }
    }

    /**
     * What a reader (search, status, verify, serve) was pointed at: {@code --index} (an index
     * root, or a collection whose alias is then resolved), or {@code --collection} with or
     * without {@code --generation}.
     */
    Target target(Stores stores) {
        if (group.collection != null && !group.collection.isBlank()) {
            if (group.index != null && !group.index.isBlank()) {
                throw new UsageException("give --index or --collection, not both");
            }
            ObjectStore collection = stores.open(collection());
            return new Target(collection, true, generation());
        }
        if (group.generation != null && !group.generation.isBlank()) {
            throw new UsageException("--generation needs --collection URI");
        }
        ObjectStore store = stores.open(location(group.index, "--index", "--index is required (or --collection; or set FTINDEX_INDEX)"));
        return new Target(store, IndexCollection.isCollection(store), Optional.empty());
    }

    private static StoreLocation generationRoot(StoreLocation collection, String generation) {
        try {
            return collection.resolve(CollectionLayout.generationPrefix(generation));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--generation: " + e.getMessage());
        }
    }

    private static StoreLocation location(String text, String option, String missing) {
        if (text == null || text.isBlank()) {
            throw new UsageException(missing);
        }
        try {
            return StoreLocation.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    /** Opens stores with these settings; close them with the result. */
    Stores open(Map<String, String> environment) {
        return new Stores(settings(), environment);
    }

    /** The store options as {@link S3Properties}: one translation into settings, shared with every other engine. */
    S3Settings settings() {
        if (group.pathStyle && group.virtualHost) {
            throw new UsageException("--path-style and --virtual-host exclude each other");
        }
        Map<String, String> properties = new HashMap<>();
        Optional.ofNullable(group.endpoint).ifPresent(value -> properties.put(S3Properties.ENDPOINT, value));
        Optional.ofNullable(group.region).ifPresent(value -> properties.put(S3Properties.REGION, value));
        if (group.pathStyle || group.virtualHost) {
            properties.put(S3Properties.PATH_STYLE, String.valueOf(group.pathStyle));
        }
        Optional.ofNullable(group.profile).ifPresent(value -> properties.put(S3Properties.PROFILE, value));
        properties.put(S3Properties.SSE, group.sse);
        Optional.ofNullable(group.sseKmsKeyId).ifPresent(value -> properties.put(S3Properties.SSE_KMS_KEY_ID, value));
        Optional.ofNullable(group.maxAttempts).ifPresent(value -> properties.put(S3Properties.MAX_ATTEMPTS, String.valueOf(value)));
        properties.put(S3Properties.ALLOW_UNSAFE_OVERWRITES, String.valueOf(group.allowUnsafeOverwrites));
        try {
            return S3Properties.fromProperties(properties);
        } catch (S3Properties.InvalidProperty e) {
            throw new UsageException(option(e.key()) + ": " + e.problem());
        }
    }

    /** The command-line spelling of a property key: {@code maxAttempts} is {@code --max-attempts}. */
    static String option(String key) {
        return "--" + key.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
