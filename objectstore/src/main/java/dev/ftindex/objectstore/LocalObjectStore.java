package dev.ftindex.objectstore;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files below a root directory.
 *
 * <p>Every write goes to a temporary file in the target's directory (so the rename never
 * crosses filesystems), is fsynced, and is then renamed into place, after which the directory
 * is fsynced: a crash leaves the old object or the new one, plus at worst an invisible temporary
 * file. Create-only writes hard-link the temporary file to the target, which the kernel refuses
 * atomically when the target exists; a check-then-rename would let two writers both win.
 */
final class LocalObjectStore implements ObjectStore, SupportsLocalFiles {
    /** A directory pruned by a concurrent delete between two steps: look again at once. */
    private static final Retry PRUNED_MEANWHILE = Retry.immediately(5, e -> e instanceof NoSuchFileException);
    /** An object replaced between its stat and its open: open again at once. */
    private static final Retry REPLACED_MEANWHILE = Retry.immediately(5, e -> e instanceof Replaced);

    /** Raised inside {@link #get} when the file changed between stat and open. */
    private static final class Replaced extends IOException {
        private static final long serialVersionUID = 1L;

        Replaced() {
            super("replaced while opened", null);
        }
    }

    private final Path root;
    private final String location;
    private final RequestMetrics metrics = new RequestMetrics();

    LocalObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.location = new StoreLocation.Local(this.root).uri();
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public ObjectInfo head(String key) {
        metrics.request("head");
        Path path = path(key);
        try {
            return info(key, path);
        } catch (IOException e) {
            throw translate(key, e);
        }
    }

    @Override
    public ObjectStream get(String key, ByteRange range) {
        metrics.request("get");
        Path path = path(key);
        try {
            return REPLACED_MEANWHILE.run(attempt -> {
                ObjectInfo before = info(key, path);
                FileChannel channel = FileChannel.open(path, READ);
                ObjectInfo after;
                try {
                    after = info(key, path);
                } catch (IOException e) {
                    channel.close();
                    throw e;
                }
                // The object was replaced between stat and open: the open file may not match the
                // info we would report, so look again (the last attempt reports what it opened).
                if (!before.etag().equals(after.etag()) && attempt < REPLACED_MEANWHILE.maxAttempts()) {
                    channel.close();
                    throw new Replaced();
                }
                long size = channel.size();
                ObjectInfo info = new ObjectInfo(key, size, after.etag(), after.lastModified());
                long[] span = range.resolve(size);
                metrics.bytes(span[1] - span[0], 0);
                channel.position(span[0]);
                InputStream in = new BoundedInputStream(Channels.newInputStream(channel), span[1] - span[0]);
                return new ObjectStream(in, info, span[0], span[1]);
            });
        } catch (IOException e) {
            throw translate(key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        metrics.request("list");
        Keys.validatePrefix(prefix);
        try {
            // A directory that vanished during the walk (a concurrent delete pruned it): walk again.
            return PRUNED_MEANWHILE.run(attempt -> walk(prefix));
        } catch (IOException e) {
            throw translate(prefix, e);
        }
    }

    @Override
    public List<ObjectInfo> listShallow(String prefix) {
        metrics.request("list");
        Keys.validatePrefix(prefix);
        Path directory = directoryOf(prefix);
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<ObjectInfo> result = new ArrayList<>();
        try (Stream<Path> children = Files.list(directory)) {
            for (Path file : (Iterable<Path>) children::iterator) {
                String name = file.getFileName().toString();
                String key = key(file);
                if (name.startsWith(Keys.TEMP_PREFIX) || !key.startsWith(prefix)) {
                    continue;
                }
                addIfFile(result, key, file);
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw translate(prefix, e);
        }
        result.sort(java.util.Comparator.comparing(ObjectInfo::key));
        return result;
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        metrics.request("list");
        Keys.validatePrefix(prefix);
        Path directory = directoryOf(prefix);
        String start = prefix.substring(prefix.lastIndexOf('/') + 1);
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> children = Files.list(directory)) {
            for (Path child : (Iterable<Path>) children::iterator) {
                String name = child.getFileName().toString();
                if (!name.startsWith(Keys.TEMP_PREFIX) && name.startsWith(start) && Files.isDirectory(child)) {
                    names.add(name.substring(start.length()));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw translate(prefix, e);
        }
        names.sort(null);
        return names;
    }

    private void addIfFile(List<ObjectInfo> listing, String key, Path file) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (attributes.isRegularFile()) {
                listing.add(info(key, attributes));
            }
        } catch (NoSuchFileException deletedMeanwhile) {
            // A concurrent delete: the object is gone, which a listing may show either way.
        }
    }

    /** The directory holding every key that starts with {@code prefix}: the prefix up to its last slash. */
    private Path directoryOf(String prefix) {
        int slash = prefix.lastIndexOf('/');
        return slash < 0 ? root : root.resolve(prefix.substring(0, slash));
    }

    private List<ObjectInfo> walk(String prefix) throws IOException {
        Path start = directoryOf(prefix);
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<ObjectInfo> result = new ArrayList<>();
        try (Stream<Path> files = Files.walk(start)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().startsWith(Keys.TEMP_PREFIX)) {
                    continue;
                }
                String key = key(file);
                if (key.isEmpty() || !key.startsWith(prefix)) {
                    continue;
                }
                addIfFile(result, key, file);
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        result.sort(java.util.Comparator.comparing(ObjectInfo::key));
        return result;
    }

    @Override
    public ObjectInfo put(String key, Payload payload) {
        metrics.request("put");
        Path target = path(key);
        try {
            return install(key, writeTemp(target, payload), target);
        } catch (IOException e) {
            throw translate(key, e);
        }
    }

    @Override
    public ObjectInfo putIfAbsent(String key, Payload payload) {
        metrics.request("putIfAbsent");
        Path target = path(key);
        try {
            Path temp = writeTemp(target, payload);
            try {
                Files.createLink(target, temp);
            } catch (FileAlreadyExistsException e) {
                throw new ObjectAlreadyExistsException(location, key, null);
            } catch (UnsupportedOperationException e) {
                throw new PermanentStorageException(location, key,
                        "this filesystem cannot create hard links, which create-only writes need", e);
            } finally {
                Files.deleteIfExists(temp);
            }
            fsyncDirectory(target.getParent());
            return info(key, target);
        } catch (IOException e) {
            throw translate(key, e);
        }
    }

    @Override
    public ObjectInfo copy(String sourceKey, String targetKey, Optional<String> expectedSourceEtag) {
        metrics.request("copy");
        Path target = path(targetKey);
        try (ObjectStream source = get(sourceKey, ByteRange.ALL)) {
            if (expectedSourceEtag.isPresent() && !expectedSourceEtag.get().equals(source.object().etag())) {
                throw new PreconditionFailedException(location, sourceKey,
                        "etag is " + source.object().etag() + ", expected " + expectedSourceEtag.get(), null);
            }
            return install(targetKey, writeTemp(target, source, source.object().size()), target);
        } catch (IOException e) {
            throw translate(targetKey, e);
        }
    }

    @Override
    public void delete(String key) {
        metrics.request("delete");
        Path path = path(key);
        try {
            Files.deleteIfExists(path);
            pruneEmptyParents(path.getParent());
        } catch (IOException e) {
            throw translate(key, e);
        }
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        metrics.request("deleteAll");
        keys.forEach(Keys::validate);
        Map<String, StorageException> failures = new LinkedHashMap<>();
        for (String key : keys) {
            Path path = root.resolve(key);
            try {
                Files.deleteIfExists(path);
                pruneEmptyParents(path.getParent());
            } catch (IOException e) {
                failures.put(key, translate(key, e));
            }
        }
        BulkDeletes.throwIfAny(location, keys.size(), failures);
    }

    @Override
    public RequestMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {}

    @Override
    public Path localFile(String key) {
        return path(key);
    }

    private Path path(String key) {
        return root.resolve(Keys.validate(key));
    }

    private String key(Path file) {
        String relative = root.relativize(file).toString();
        return file.getFileSystem().getSeparator().equals("/") ? relative : relative.replace(file.getFileSystem().getSeparator(), "/");
    }

    private Path writeTemp(Path target, Payload payload) throws IOException {
        metrics.bytes(0, payload.length());
        try (InputStream in = payload.open()) {
            return writeTemp(target, in, payload.length());
        }
    }

    private Path writeTemp(Path target, InputStream in, long expectedLength) throws IOException {
        Path directory = target.getParent();
        // A concurrent delete may prune the directory we just created: make it again.
        Path temp = PRUNED_MEANWHILE.run(attempt -> {
            Files.createDirectories(directory);
            Path created = directory.resolve(Keys.TEMP_PREFIX + UUID.randomUUID());
            FileChannel.open(created, CREATE_NEW, WRITE).close();
            return created;
        });
        try (FileChannel channel = FileChannel.open(temp, WRITE)) {
            long written = in.transferTo(Channels.newOutputStream(channel));
            if (written != expectedLength) {
                throw new IOException("payload for " + target + " had " + written + " bytes, expected " + expectedLength);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp, e);
            throw e;
        }
        return temp;
    }

    /** Renames a complete, fsynced temporary file into place and makes the rename durable. */
    private ObjectInfo install(String key, Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(temp, e);
            throw e;
        }
        fsyncDirectory(target.getParent());
        return info(key, target);
    }

    private void pruneEmptyParents(Path directory) throws IOException {
        // Directories are not objects: remove the ones a delete emptied so that a cleaned-up
        // index root does not keep a skeleton of staging/ behind.
        Path current = directory;
        while (current != null && current.startsWith(root) && !current.equals(root)) {
            try {
                Files.delete(current);
            } catch (DirectoryNotEmptyException | NoSuchFileException stop) {
                return;
            }
            current = current.getParent();
        }
    }

    private static void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, READ)) {
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path temp, Throwable primary) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    private ObjectInfo info(String key, Path path) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
            throw new NoSuchFileException(path.toString());
        }
        return info(key, attributes);
    }

    private static ObjectInfo info(String key, BasicFileAttributes attributes) {
        // Every write replaces the file by rename, so the inode (file key) changes with each
        // version; size and modification time guard filesystems without file keys.
        String identity = attributes.fileKey() + "/" + attributes.size() + "/" + attributes.lastModifiedTime().toMillis();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            String etag = HexFormat.of().formatHex(digest, 0, 12);
            return new ObjectInfo(key, attributes.size(), etag, attributes.lastModifiedTime().toInstant());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is always available", e);
        }
    }

    private StorageException translate(String key, IOException e) {
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return new ObjectNotFoundException(location, key, null);
        }
        if (e instanceof AccessDeniedException) {
            return new PermanentStorageException(location, key, "permission denied", e);
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null && fs.getReason().contains("Read-only")) {
            return new PermanentStorageException(location, key, "read-only filesystem", e);
        }
        return new TransientStorageException(location, key, "I/O error", e);
    }
}
