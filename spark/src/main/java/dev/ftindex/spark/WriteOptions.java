package dev.ftindex.spark;

import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.S3Settings;
import dev.ftindex.objectstore.StoreLocation;
import java.io.Serial;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The options of {@code df.write.format("ftindex")}, parsed and checked on the driver, and shipped
 * to the tasks as plain strings (they open their own store from them). Names are the CLI's in
 * camel case ({@code --ram-buffer-mb} is {@code ramBufferMb}); Spark passes them
 * case-insensitively.
 *
 * @param root the index root ({@code save(path)})
 * @param specJson the index spec, normalized, as JSON
 * @param partitions the partition count asked for, 0 for Spark's own
 * @param threads indexing threads per task
 * @param workDirectory the option workDir, or null (components are plain values: the record is serialized to the tasks)
 * @param injectedFailure tests only: where the first attempt of every task fails on purpose, or null
 * @param crashBeforeCommit tests only: the driver "dies" after every task staged, before the
 *     commit: the job fails and nothing is cleaned up, as after a lost driver
 */
record WriteOptions(
        String root,
        String specJson,
        Map<String, String> store,
        double ramBufferMb,
        int threads,
        int segments,
        String workDirectory,
        boolean skipBadRecords,
        boolean allowDuplicateIds,
        int uploadConcurrency,
        int partitions,
        int finalizeConcurrency,
        InjectedFailure injectedFailure,
        boolean crashBeforeCommit) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Every option this source reads, for the message about one it does not know. */
    static final Set<String> KNOWN = Set.of("path", "spec", "endpoint", "region", "pathstyle", "profile", "sse", "ssekmskeyid",
            "maxattempts", "allowunsafeoverwrites", "rambuffermb", "threads", "segments", "workdir", "skipbadrecords",
            "allowduplicateids", "uploadconcurrency", "partitions", "finalizeconcurrency", "ftindex.test.failfirstattempt",
            "ftindex.test.crashbeforecommit");

    /** Where a test makes the first attempt of each task fail. */
    enum InjectedFailure {
        /** Half-way through the rows: nothing is staged; the attempt aborts. */
        WRITE,
        /** After the manifest is created: the attempt aborts and withdraws what it staged. */
        STAGED,
        /** After the manifest is created, and the abort does nothing: a zombie that staged and vanished. */
        STAGED_WITHOUT_ABORT
    }

    /**
     * @param options Spark's (case-insensitive) options
     * @throws IllegalArgumentException naming the option and what it must be
     */
    static WriteOptions parse(Map<String, String> options) {
        Map<String, String> lower = new TreeMap<>();
        options.forEach((key, value) -> lower.put(key.toLowerCase(Locale.ROOT), value));
        for (String key : lower.keySet()) {
            if (!KNOWN.contains(key)) {
                throw new IllegalArgumentException("unknown option '" + key + "' of format(\"ftindex\"); known: spec, endpoint, region,"
                        + " pathStyle, profile, sse, sseKmsKeyId, maxAttempts, allowUnsafeOverwrites, ramBufferMb, threads, segments, workDir,"
                        + " skipBadRecords, allowDuplicateIds, uploadConcurrency, partitions, finalizeConcurrency");
            }
        }
        String root = lower.get("path");
        if (root == null || root.isBlank()) {
            throw new IllegalArgumentException("give the index root: .save(\"s3://bucket/prefix\") (or a local path)");
        }
        StoreLocation.parse(root);
        IndexSpec spec = spec(lower.get("spec"));
        Map<String, String> store = new TreeMap<>();
        for (String key : Set.of("endpoint", "region", "pathstyle", "profile", "sse", "ssekmskeyid", "maxattempts", "allowunsafeoverwrites")) {
            if (lower.containsKey(key)) {
                store.put(key, lower.get(key));
            }
        }
        WriteOptions parsed = new WriteOptions(root, new String(Json.write(spec), StandardCharsets.UTF_8), store,
                decimal(lower, "ramBufferMb", 256, 1, 65536, false),
                integer(lower, "threads", 1, 1, 256),
                integer(lower, "segments", 1, 1, 1000),
                lower.get("workdir"),
                bool(lower, "skipBadRecords"),
                bool(lower, "allowDuplicateIds"),
                integer(lower, "uploadConcurrency", 4, 1, 256),
                integer(lower, "partitions", 0, 0, 1_000_000),
                integer(lower, "finalizeConcurrency", 16, 1, 1024),
                Optional.ofNullable(lower.get("ftindex.test.failfirstattempt"))
                        .map(value -> InjectedFailure.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'))).orElse(null),
                bool(lower, "ftindex.test.crashBeforeCommit"));
        parsed.s3Settings();
        return parsed;
    }

    Optional<String> workDir() {
        return Optional.ofNullable(workDirectory);
    }

    Optional<InjectedFailure> failFirstAttempt() {
        return Optional.ofNullable(injectedFailure);
    }

    IndexSpec spec() {
        return IndexSpec.parse(specJson.getBytes(StandardCharsets.UTF_8), "the spec option");
    }

    /** Opens the index root with these settings, in whichever JVM asks (the driver, an executor). */
    ObjectStore openRoot() {
        return ObjectStores.open(StoreLocation.parse(root), s3Settings(), System.getenv());
    }

    S3Settings s3Settings() {
        S3Settings.Builder builder = S3Settings.builder();
        Optional.ofNullable(store.get("endpoint")).ifPresent(endpoint -> {
            try {
                builder.endpoint(URI.create(endpoint));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("option endpoint is not a URL: " + endpoint, e);
            }
        });
        Optional.ofNullable(store.get("region")).ifPresent(builder::region);
        if (store.containsKey("pathstyle")) {
            builder.pathStyle(bool(store, "pathStyle"));
        }
        Optional.ofNullable(store.get("profile")).ifPresent(builder::profile);
        try {
            builder.encryption(S3Settings.Encryption.parse(store.getOrDefault("sse", "none"), Optional.ofNullable(store.get("ssekmskeyid"))));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option sse: " + e.getMessage(), e);
        }
        if (store.containsKey("maxattempts")) {
            builder.maxAttempts(integer(store, "maxAttempts", 10, 1, 100));
        }
        builder.allowUnsafeOverwrites(bool(store, "allowUnsafeOverwrites"));
        return builder.build();
    }

    /** The spec option: JSON itself (starting with '{'), or the path of a JSON file on the driver; absent: the default spec. */
    private static IndexSpec spec(String option) {
        if (option == null || option.isBlank()) {
            return IndexSpec.defaultSpec();
        }
        String text = option.strip();
        try {
            if (text.startsWith("{")) {
                return IndexSpec.parse(text.getBytes(StandardCharsets.UTF_8), "the spec option");
            }
            Path file = Path.of(text);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("option spec: " + file + " is not a file (give the spec's JSON, or the path of a JSON file"
                        + " the driver can read)");
            }
            return IndexSpec.read(file);
        } catch (IndexSpec.SpecException e) {
            throw new IllegalArgumentException("option spec: " + e.getMessage(), e);
        }
    }

    private static boolean bool(Map<String, String> options, String name) {
        String value = options.get(name.toLowerCase(Locale.ROOT));
        if (value == null) {
            return false;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("option " + name + " must be true or false, not '" + value + "'");
        };
    }

    private static int integer(Map<String, String> options, String name, int fallback, int min, int max) {
        return (int) decimal(options, name, fallback, min, max, true);
    }

    private static double decimal(Map<String, String> options, String name, double fallback, double min, double max, boolean whole) {
        String value = options.get(name.toLowerCase(Locale.ROOT));
        if (value == null) {
            return fallback;
        }
        double parsed;
        try {
            parsed = whole ? Integer.parseInt(value.strip()) : Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + name + " must be " + (whole ? "a whole number" : "a number") + ", not '" + value + "'", e);
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException("option " + name + " must be " + (whole ? (long) min + " to " + (long) max : min + " to " + max)
                    + ", not " + value);
        }
        return parsed;
    }
}
