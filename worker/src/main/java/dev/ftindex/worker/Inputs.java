package dev.ftindex.worker;

import dev.ftindex.format.WireEnum;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.StoreLocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Expands input arguments into a sorted, duplicate-free list of files. An argument is a local
 * file, a local directory (every JSONL file below it), a glob ({@code /data/*.jsonl.gz}), an
 * {@code s3://bucket/key}, an {@code s3://bucket/prefix/} (every JSONL object below it), or an
 * S3 glob ({@code s3://bucket/docs/*.jsonl}). Anything that matches nothing is an error: a typo
 * must not look like an empty share.
 */
public final class Inputs {
    private static final Pattern DATA_FILE = Pattern.compile(".*\\.((jsonl|ndjson|json)(\\.gz|\\.zst|\\.zstd)?|parquet)");

    private Inputs() {}

    /**
     * @param s3Stores opens a store for an S3 bucket root; the caller owns and closes them
     * @throws IllegalArgumentException naming the argument that matches nothing
     */
    public static List<InputFile> resolve(List<String> arguments, Function<StoreLocation.S3, ObjectStore> s3Stores) {
        return list(arguments, s3Stores).files();
    }

    /**
     * As {@link #resolve}, but a directory (or a prefix ending in {@code /}) holds every file whose
     * name {@code wanted} accepts, whatever its extension (hidden files never): the files of a list
     * that another tool wrote as a directory, such as Spark's {@code part-*} files.
     */
    public static List<InputFile> resolve(String argument, Function<StoreLocation.S3, ObjectStore> s3Stores, Predicate<String> wanted) {
        List<InputFile> files = argument.regionMatches(true, 0, "s3://", 0, 5) ? resolveS3(argument, s3Stores, wanted)
                : resolveLocal(argument, wanted);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("input '" + argument + "' matches no file");
        }
        return files.stream().sorted(Comparator.comparing(InputFile::name)).toList();
    }

    private static boolean dataFile(String name) {
        return DATA_FILE.matcher(name).matches();
    }

    /** The files the arguments name, and which of them look given twice (see {@link Repeat}). */
    public record Listing(List<InputFile> files, List<Repeat> repeats) {
        public Listing {
            files = List.copyOf(files);
            repeats = List.copyOf(repeats);
        }
    }

    /**
     * An input that is almost certainly given twice by mistake: one file that two arguments name
     * (read once all the same), or files at different paths with the same size and the same
     * first and last {@value #SAMPLE} bytes (a directory holding a copy: every record in them
     * would be indexed twice, and the finalizer refuses their ids).
     *
     * @param arguments for {@link Kind#GIVEN_TWICE}, the arguments that name the file
     */
    public record Repeat(Kind kind, List<String> names, long size, List<String> arguments) {
        public enum Kind implements WireEnum { GIVEN_TWICE, COPY }

        public Repeat {
            names = List.copyOf(names);
            arguments = List.copyOf(arguments);
        }

        /** One line for the log. */
        public String describe() {
            return switch (kind) {
                case GIVEN_TWICE -> String.format(Locale.ROOT, "input %s (%,d bytes) is named by %d arguments (%s); it is read once",
                        names.getFirst(), size, arguments.size(), String.join(", ", arguments));
                case COPY -> String.format(Locale.ROOT, "inputs %s (%,d bytes each) look like copies of one file (the same size and"
                        + " the same first and last bytes): every record in them would be indexed %d times, and a build refuses ids that"
                        + " occur more than once; remove the copies (or pass --allow-duplicate-ids if they are meant)",
                        String.join(" and ", names), size, names.size());
            };
        }
    }

    /** Bytes compared at each end of two files of one size. */
    static final int SAMPLE = 64 * 1024;
    /** Files of one size beyond which no copies are looked for (the sample reads would cost more than the warning is worth). */
    static final int MAX_SAMPLED = 256;

    /**
     * Like {@link #resolve}, and finds the repeats: each file of a size that another file has too
     * costs one or two small reads; files of sizes nobody shares cost nothing.
     */
    public static Listing list(List<String> arguments, Function<StoreLocation.S3, ObjectStore> s3Stores) {
        if (arguments.isEmpty()) {
            throw new IllegalArgumentException("no input given");
        }
        Map<String, InputFile> byName = new LinkedHashMap<>();
        Map<String, List<String>> namedBy = new LinkedHashMap<>();
        for (String argument : arguments) {
            List<InputFile> files = argument.regionMatches(true, 0, "s3://", 0, 5)
                    ? resolveS3(argument, s3Stores, Inputs::dataFile)
                    : resolveLocal(argument, Inputs::dataFile);
            if (files.isEmpty()) {
                throw new IllegalArgumentException("input '" + argument + "' matches no file");
            }
            for (InputFile file : files) {
                byName.putIfAbsent(file.name(), file);
                List<String> by = namedBy.computeIfAbsent(file.name(), name -> new ArrayList<>());
                if (!by.contains(argument)) {
                    by.add(argument);
                }
            }
        }
        List<InputFile> sorted = new ArrayList<>(byName.values());
        sorted.sort(Comparator.comparing(InputFile::name));
        List<Repeat> repeats = new ArrayList<>();
        for (InputFile file : sorted) {
            List<String> by = namedBy.get(file.name());
            if (by.size() > 1) {
                repeats.add(new Repeat(Repeat.Kind.GIVEN_TWICE, List.of(file.name()), file.size(), by));
            }
        }
        repeats.addAll(copies(sorted));
        return new Listing(sorted, repeats);
    }

    /** Files of one size whose sampled bytes are equal, in name order. */
    private static List<Repeat> copies(List<InputFile> files) {
        Map<Long, List<InputFile>> bySize = new TreeMap<>();
        for (InputFile file : files) {
            if (file.size() > 0) {
                bySize.computeIfAbsent(file.size(), size -> new ArrayList<>()).add(file);
            }
        }
        List<Repeat> repeats = new ArrayList<>();
        for (List<InputFile> sameSize : bySize.values()) {
            if (sameSize.size() < 2 || sameSize.size() > MAX_SAMPLED) {
                continue;
            }
            Map<String, List<String>> bySample = new LinkedHashMap<>();
            for (InputFile file : sameSize) {
                try {
                    bySample.computeIfAbsent(sample(file), sample -> new ArrayList<>()).add(file.name());
                } catch (IOException | RuntimeException e) {
                    // A file that cannot be sampled is read (and its failure reported) by the build itself.
                }
            }
            for (List<String> names : bySample.values()) {
                if (names.size() > 1) {
                    repeats.add(new Repeat(Repeat.Kind.COPY, names, sameSize.getFirst().size(), List.of()));
                }
            }
        }
        return repeats;
    }

    /** A digest of a file's first and last {@link #SAMPLE} bytes (the whole file when it is smaller than two samples). */
    private static String sample(InputFile file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long size = file.size();
        if (size <= 2L * SAMPLE) {
            digest.update(file.readRange(0, (int) size));
        } else {
            digest.update(file.readRange(0, SAMPLE));
            digest.update(file.readRange(size - SAMPLE, SAMPLE));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static List<InputFile> resolveLocal(String argument, Predicate<String> wanted) {
        String pathText = argument.startsWith("file://") ? Path.of(java.net.URI.create(argument)).toString() : argument;
        int glob = firstGlobCharacter(pathText);
        try {
            if (glob < 0) {
                Path path = Path.of(pathText).toAbsolutePath().normalize();
                if (Files.isRegularFile(path)) {
                    BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                    return List.of(new InputFile.Local(path, attributes.size(), attributes.lastModifiedTime()));
                }
                if (Files.isDirectory(path)) {
                    return walk(path, file -> wanted.test(file.getFileName().toString()));
                }
                throw new IllegalArgumentException("input '" + argument + "' does not exist");
            }
            int slash = pathText.lastIndexOf('/', glob);
            Path base = Path.of(slash < 0 ? "." : pathText.substring(0, slash + 1)).toAbsolutePath().normalize();
            String pattern = base + "/" + pathText.substring(slash + 1);
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            if (!Files.isDirectory(base)) {
                throw new IllegalArgumentException("input '" + argument + "': directory " + base + " does not exist");
            }
            return walk(base, matcher::matches);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list input '" + argument + "'", e);
        }
    }

    private static List<InputFile> walk(Path directory, java.util.function.Predicate<Path> accept) throws IOException {
        List<InputFile> files = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                if (attributes.isRegularFile() && !path.getFileName().toString().startsWith(".") && accept.test(path)) {
                    files.add(new InputFile.Local(path, attributes.size(), attributes.lastModifiedTime()));
                }
            }
        }
        return files;
    }

    private static List<InputFile> resolveS3(String argument, Function<StoreLocation.S3, ObjectStore> s3Stores, Predicate<String> wanted) {
        String rest = argument.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        ObjectStore store = s3Stores.apply(new StoreLocation.S3(bucket, ""));
        int glob = firstGlobCharacter(key);
        if (glob >= 0) {
            String literal = key.substring(0, glob);
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:/" + key);
            return stored(store, store.list(literal).stream().filter(object -> matcher.matches(Path.of("/" + object.key()))).toList());
        }
        if (key.isEmpty() || key.endsWith("/")) {
            return stored(store, dataFiles(store.list(key), wanted));
        }
        try {
            ObjectInfo object = store.head(key);
            return List.of(new InputFile.Stored(store, key, object.size(), object.etag()));
        } catch (ObjectNotFoundException e) {
            List<ObjectInfo> below = dataFiles(store.list(key + "/"), wanted);
            if (below.isEmpty()) {
                throw new IllegalArgumentException("input '" + argument + "' does not exist");
            }
            return stored(store, below);
        }
    }

    private static List<ObjectInfo> dataFiles(List<ObjectInfo> objects, Predicate<String> wanted) {
        return objects.stream()
                .filter(object -> {
                    String name = object.key().substring(object.key().lastIndexOf('/') + 1);
                    return !name.startsWith(".") && wanted.test(name);
                })
                .toList();
    }

    private static List<InputFile> stored(ObjectStore store, List<ObjectInfo> objects) {
        return objects.stream().<InputFile>map(object -> new InputFile.Stored(store, object.key(), object.size(), object.etag())).toList();
    }

    private static int firstGlobCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') {
                return i;
            }
        }
        return -1;
    }
}
