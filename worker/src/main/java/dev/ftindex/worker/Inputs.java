package dev.ftindex.worker;

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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
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
        if (arguments.isEmpty()) {
            throw new IllegalArgumentException("no input given");
        }
        Map<String, InputFile> byName = new LinkedHashMap<>();
        for (String argument : arguments) {
            List<InputFile> files = argument.regionMatches(true, 0, "s3://", 0, 5)
                    ? resolveS3(argument, s3Stores)
                    : resolveLocal(argument);
            if (files.isEmpty()) {
                throw new IllegalArgumentException("input '" + argument + "' matches no file");
            }
            files.forEach(file -> byName.putIfAbsent(file.name(), file));
        }
        List<InputFile> sorted = new ArrayList<>(byName.values());
        sorted.sort(Comparator.comparing(InputFile::name));
        return sorted;
    }

    private static List<InputFile> resolveLocal(String argument) {
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
                    return walk(path, file -> DATA_FILE.matcher(file.getFileName().toString()).matches());
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

    private static List<InputFile> resolveS3(String argument, Function<StoreLocation.S3, ObjectStore> s3Stores) {
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
            return stored(store, dataFiles(store.list(key)));
        }
        try {
            ObjectInfo object = store.head(key);
            return List.of(new InputFile.Stored(store, key, object.size(), object.etag()));
        } catch (ObjectNotFoundException e) {
            List<ObjectInfo> below = dataFiles(store.list(key + "/"));
            if (below.isEmpty()) {
                throw new IllegalArgumentException("input '" + argument + "' does not exist");
            }
            return stored(store, below);
        }
    }

    private static List<ObjectInfo> dataFiles(List<ObjectInfo> objects) {
        return objects.stream()
                .filter(object -> {
                    String name = object.key().substring(object.key().lastIndexOf('/') + 1);
                    return !name.startsWith(".") && DATA_FILE.matcher(name).matches();
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
