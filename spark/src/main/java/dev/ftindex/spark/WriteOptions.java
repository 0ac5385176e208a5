package dev.ftindex.spark;

import dev.ftindex.format.AppendBase;
import dev.ftindex.format.BaseIndex;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.S3Properties;
import dev.ftindex.objectstore.S3Settings;
import dev.ftindex.objectstore.StoreLocation;
import java.io.Serial;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The options of {@code df.write.format("ftindex")}, parsed and checked on the driver, and shipped
 * to the tasks as plain strings (they open their own store from them). Names are the CLI's in
 * camel case ({@code --ram-buffer-mb} is {@code ramBufferMb}); Spark passes them
 * case-insensitively. The store's options are {@link S3Properties}, translated by the one
 * {@link S3Properties#fromProperties} every engine uses.
 *
 * @param root the index root ({@code save(path)})
 * @param specJson the index spec, normalized, as JSON
 * @param store the {@link S3Properties} given, by their declared keys
 * @param partitions the partition count asked for, 0 for Spark's own
 * @param threads indexing threads per task
 * @param workDirectory the option workDir, or null (components are plain values: the record is serialized to the tasks)
 * @param base the option base: the committed index root this write appends to, or null
 * @param baseJson that base as the tasks' manifests record it ({@link BaseIndex}, JSON), read once
 *     on the driver; null without a base
 * @param upsert the option upsert: a row whose id the base holds replaces the base's document
 * @param delete the option delete: the ids to delete of the base (a file, or a directory such as a
 *     DataFrame's {@code write.text} output), read on the driver at the commit; null for none
 * @param strictDeletes the option strictDeletes: an id to delete that the base does not hold fails
 *     the write
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
        String base,
        String baseJson,
        boolean upsert,
        String delete,
        boolean strictDeletes) implements Serializable {
    @Serial
    private static final long serialVersionUID = 4L;

    /** The options of the writer itself (the store's are {@link S3Properties#KEYS}), each with its name once. */
    enum Option {
        PATH("path"),
        SPEC("spec"),
        RAM_BUFFER_MB("ramBufferMb"),
        THREADS("threads"),
        SEGMENTS("segments"),
        WORK_DIR("workDir"),
        SKIP_BAD_RECORDS("skipBadRecords"),
        ALLOW_DUPLICATE_IDS("allowDuplicateIds"),
        UPLOAD_CONCURRENCY("uploadConcurrency"),
        PARTITIONS("partitions"),
        FINALIZE_CONCURRENCY("finalizeConcurrency"),
        BASE("base"),
        UPSERT("upsert"),
        DELETE("delete"),
        STRICT_DELETES("strictDeletes");

        final String key;

        Option(String key) {
            this.key = key;
        }
    }

    /** Every option this source reads (Spark's keys compare case-insensitively). */
    static Set<String> known() {
        Set<String> known = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (Option option : Option.values()) {
            known.add(option.key);
        }
        known.addAll(S3Properties.KEYS);
        return known;
    }

    /**
     * @param options Spark's options: a {@link org.apache.spark.sql.util.CaseInsensitiveStringMap}
     * @throws IllegalArgumentException naming the option and what it must be
     */
    static WriteOptions parse(Map<String, String> options) {
        Set<String> known = known();
        for (String key : options.keySet()) {
            if (!known.contains(key)) {
                known.remove(Option.PATH.key);
                throw new IllegalArgumentException("unknown option '" + key + "' of format(\"ftindex\"); known: " + String.join(", ", known));
            }
        }
        String root = options.get(Option.PATH.key);
        if (root == null || root.isBlank()) {
            throw new IllegalArgumentException("give the index root: .save(\"s3://bucket/prefix\") (or a local path)");
        }
        StoreLocation.parse(root);
        Map<String, String> store = new TreeMap<>();
        for (String key : S3Properties.KEYS) {
            Optional.ofNullable(options.get(key)).ifPresent(value -> store.put(key, value));
        }
        String base = options.get(Option.BASE.key);
        String specOption = options.get(Option.SPEC.key);
        IndexSpec spec = spec(specOption);
        String baseJson = null;
        if (base != null && !base.isBlank()) {
            AppendBase appendBase = openBase(root, base, s3Settings(store));
            spec = appendBase.spec(specOption == null || specOption.isBlank() ? Optional.empty() : Optional.of(spec));
            baseJson = new String(Json.write(appendBase.index().withoutStats()), StandardCharsets.UTF_8);
        } else {
            base = null;
        }
        WriteOptions parsed = new WriteOptions(root, new String(Json.write(spec), StandardCharsets.UTF_8), store,
                decimal(options, Option.RAM_BUFFER_MB, 256, 1, 65536, false),
                integer(options, Option.THREADS, 1, 1, 256),
                integer(options, Option.SEGMENTS, 1, 1, 1000),
                options.get(Option.WORK_DIR.key),
                bool(options, Option.SKIP_BAD_RECORDS),
                bool(options, Option.ALLOW_DUPLICATE_IDS),
                integer(options, Option.UPLOAD_CONCURRENCY, 4, 1, 256),
                integer(options, Option.PARTITIONS, 0, 0, 1_000_000),
                integer(options, Option.FINALIZE_CONCURRENCY, 16, 1, 1024),
                base, baseJson, bool(options, Option.UPSERT), blankIsNull(options.get(Option.DELETE.key)),
                bool(options, Option.STRICT_DELETES));
        if ((parsed.upsert || parsed.delete != null || parsed.strictDeletes) && base == null) {
            throw new IllegalArgumentException("options upsert, delete and strictDeletes update a base: give the option base");
        }
        if (parsed.strictDeletes && parsed.delete == null) {
            throw new IllegalArgumentException("option strictDeletes needs the option delete");
        }
        parsed.s3Settings();
        return parsed;
    }

    private static String blankIsNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static AppendBase openBase(String root, String base, S3Settings settings) {
        StoreLocation location;
        try {
            location = StoreLocation.parse(base);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option base: " + e.getMessage(), e);
        }
        if (location.uri().equals(StoreLocation.parse(root).uri())) {
            throw new IllegalArgumentException("option base is the index root this write builds: an append writes a new root");
        }
        try (ObjectStore store = ObjectStores.open(location, settings, System.getenv())) {
            return AppendBase.open(store, null);
        }
    }

    /** The base this write appends to, as its manifests record it; empty for a whole index. */
    Optional<BaseIndex> baseIndex() {
        return Optional.ofNullable(baseJson).map(json -> Json.read(json.getBytes(StandardCharsets.UTF_8), BaseIndex.class));
    }

    /**
     * The index root and the base, opened together for the commit: views of one store where they
     * share a bucket, so the base's files are copied server-side. Closing this closes what it opened.
     */
    record Roots(ObjectStore root, Optional<AppendBase> base, List<ObjectStore> opened) implements AutoCloseable {
        @Override
        public void close() {
            opened.forEach(ObjectStore::close);
        }
    }

    Roots openRoots() {
        if (base == null) {
            ObjectStore store = openRoot();
            return new Roots(store, Optional.empty(), List.of(store));
        }
        List<ObjectStore> opened = new ArrayList<>();
        List<ObjectStore> roots = ObjectStores.openTogether(StoreLocation.parse(root), StoreLocation.parse(base), location -> {
            ObjectStore store = ObjectStores.open(location, s3Settings(), System.getenv());
            opened.add(store);
            return store;
        });
        return new Roots(roots.get(0), Optional.of(AppendBase.open(roots.get(1), null)), List.copyOf(opened));
    }

    Optional<String> workDir() {
        return Optional.ofNullable(workDirectory);
    }

    IndexSpec spec() {
        return IndexSpec.parse(specJson.getBytes(StandardCharsets.UTF_8), "the spec option");
    }

    /** Opens the index root with these settings, in whichever JVM asks (the driver, an executor). */
    ObjectStore openRoot() {
        return ObjectStores.open(StoreLocation.parse(root), s3Settings(), System.getenv());
    }

    S3Settings s3Settings() {
        return s3Settings(store);
    }

    private static S3Settings s3Settings(Map<String, String> store) {
        try {
            return S3Properties.fromProperties(store);
        } catch (S3Properties.InvalidProperty e) {
            throw new IllegalArgumentException("option " + e.getMessage(), e);
        }
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

    private static boolean bool(Map<String, String> options, Option option) {
        String value = options.get(option.key);
        try {
            return value != null && S3Properties.bool(option.key, value);
        } catch (S3Properties.InvalidProperty e) {
            throw new IllegalArgumentException("option " + e.getMessage(), e);
        }
    }

    private static int integer(Map<String, String> options, Option option, int fallback, int min, int max) {
        return (int) decimal(options, option, fallback, min, max, true);
    }

    private static double decimal(Map<String, String> options, Option option, double fallback, double min, double max, boolean whole) {
        String name = option.key;
        String value = options.get(name);
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
