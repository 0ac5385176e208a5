package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a store is rooted: {@code s3://bucket/prefix}, {@code file:///absolute/path}, or a
 * plain path (relative paths are resolved against the working directory).
 */
public sealed interface StoreLocation {

    /** The root as a URI ending with {@code /}. */
    String uri();

    /** The location {@code relative} (a key prefix ending with {@code /}) below this one. */
    StoreLocation resolve(String relative);

    /**
     * A location both {@code a} and {@code b} are below, with the prefix of each relative to it
     * (empty when it is the location itself): the same bucket, or the same directory tree.
     */
    record Shared(StoreLocation root, String a, String b) {}

    /** The deepest location above both, if they share a bucket (or a filesystem); empty for two buckets. */
    static Optional<Shared> shared(StoreLocation a, StoreLocation b) {
        return switch (a) {
            case S3 first when b instanceof S3 second && first.bucket().equals(second.bucket()) -> {
                String common = commonPrefix(first.prefix(), second.prefix());
                yield Optional.of(new Shared(new S3(first.bucket(), common), first.prefix().substring(common.length()),
                        second.prefix().substring(common.length())));
            }
            case Local first when b instanceof Local second && first.directory().getRoot().equals(second.directory().getRoot()) -> {
                Path common = first.directory();
                while (!second.directory().startsWith(common)) {
                    common = common.getParent();
                }
                yield Optional.of(new Shared(new Local(common), relative(common, first.directory()), relative(common, second.directory())));
            }
            default -> Optional.empty();
        };
    }

    private static String commonPrefix(String a, String b) {
        int end = 0;
        for (int i = 0; i < Math.min(a.length(), b.length()) && a.charAt(i) == b.charAt(i); i++) {
            if (a.charAt(i) == '/') {
                end = i + 1;
            }
        }
        return a.substring(0, end);
    }

    private static String relative(Path root, Path child) {
        String relative = root.relativize(child).toString().replace(java.io.File.separatorChar, '/');
        return relative.isEmpty() ? "" : relative + "/";
    }

    /** Parses a location, or throws {@link IllegalArgumentException} saying what is wrong. */
    static StoreLocation parse(String text) {
        requireNonNull(text, "location is null");
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("location is empty: use s3://bucket/prefix, file:///path or a path");
        }
        int colon = trimmed.indexOf("://");
        if (colon < 0) {
            try {
                return new Local(Path.of(trimmed));
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("invalid path '" + trimmed + "': " + e.getMessage(), e);
            }
        }
        String scheme = trimmed.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        String rest = trimmed.substring(colon + 3);
        return switch (scheme) {
            case "s3" -> {
                int slash = rest.indexOf('/');
                String bucket = slash < 0 ? rest : rest.substring(0, slash);
                String prefix = slash < 0 ? "" : rest.substring(slash + 1);
                yield new S3(bucket, prefix);
            }
            case "file" -> {
                URI uri;
                try {
                    uri = new URI(trimmed);
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException("invalid file URI '" + trimmed + "': " + e.getMessage(), e);
                }
                if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
                    throw new IllegalArgumentException("file URI '" + trimmed
                            + "' names a host; use file:///absolute/path (three slashes)");
                }
                yield new Local(Path.of(uri));
            }
            default -> throw new IllegalArgumentException("unsupported scheme '" + scheme + "' in '" + trimmed
                    + "': use s3://bucket/prefix, file:///absolute/path or a plain path");
        };
    }

    /** An S3 (or S3-compatible) bucket and a key prefix that is empty or ends with {@code /}. */
    record S3(String bucket, String prefix) implements StoreLocation {
        private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

        public S3 {
            requireNonNull(bucket, "bucket is null");
            requireNonNull(prefix, "prefix is null");
            if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
                throw new IllegalArgumentException("invalid S3 bucket name '" + bucket
                        + "': 3-63 characters of lowercase letters, digits, '.' and '-'");
            }
            while (prefix.startsWith("/")) {
                prefix = prefix.substring(1);
            }
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix = prefix + "/";
            }
            if (prefix.contains("//")) {
                throw new IllegalArgumentException("invalid S3 prefix '" + prefix + "': empty path segment");
            }
        }

        @Override
        public String uri() {
            return "s3://" + bucket + "/" + prefix;
        }

        @Override
        public S3 resolve(String relative) {
            return new S3(bucket, prefix + relative);
        }
    }

    /** A local directory; keys are files below it. */
    record Local(Path directory) implements StoreLocation {
        public Local {
            requireNonNull(directory, "directory is null");
            directory = directory.toAbsolutePath().normalize();
        }

        @Override
        public String uri() {
            String uri = directory.toUri().toString();
            return uri.endsWith("/") ? uri : uri + "/";
        }

        @Override
        public Local resolve(String relative) {
            Path child = directory.resolve(relative).normalize();
            if (!child.startsWith(directory) || child.equals(directory)) {
                throw new IllegalArgumentException("'" + relative + "' is not below " + directory);
            }
            return new Local(child);
        }
    }
}
