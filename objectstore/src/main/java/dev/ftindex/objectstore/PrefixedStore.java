package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A store seen from one of its prefixes: {@code generations/g1/} of a collection is an index
 * root of its own. Keys are relative to the prefix; the parent store (and its client, threads
 * and metrics) does the work, and is not closed with this view.
 */
sealed class PrefixedStore implements ObjectStore permits PrefixedStore.Local {
    /** A prefix of a store whose objects are local files: so is every object of the view. */
    static final class Local extends PrefixedStore implements SupportsLocalFiles {
        private final SupportsLocalFiles files;

        <S extends ObjectStore & SupportsLocalFiles> Local(S parent, String prefix) {
            super(parent, prefix);
            this.files = parent;
        }

        @Override
        public Path localFile(String key) {
            return files.localFile(full(key));
        }
    }

    private final ObjectStore parent;
    private final String prefix;

    PrefixedStore(ObjectStore parent, String prefix) {
        this.parent = requireNonNull(parent, "parent is null");
        Keys.validatePrefix(prefix);
        if (prefix.isEmpty() || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("a store prefix ends with '/': " + prefix);
        }
        Keys.validate(prefix.substring(0, prefix.length() - 1));
        this.prefix = prefix;
    }

    @Override
    public String location() {
        return parent.location() + prefix;
    }

    @Override
    public ObjectInfo head(String key) {
        return call(() -> relative(parent.head(full(key))));
    }

    @Override
    public ObjectStream get(String key, ByteRange range) {
        ObjectStream stream = call(() -> parent.get(full(key), range));
        return new ObjectStream(stream, relative(stream.object()), stream.start(), stream.start() + stream.length());
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return call(() -> parent.list(this.prefix + Keys.validatePrefix(prefix)).stream().map(this::relative).toList());
    }

    @Override
    public List<ObjectInfo> listShallow(String prefix) {
        return call(() -> parent.listShallow(this.prefix + Keys.validatePrefix(prefix)).stream().map(this::relative).toList());
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        return call(() -> parent.listPrefixes(this.prefix + Keys.validatePrefix(prefix)));
    }

    @Override
    public ObjectInfo put(String key, Payload payload) {
        return call(() -> relative(parent.put(full(key), payload)));
    }

    @Override
    public ObjectInfo putIfAbsent(String key, Payload payload) {
        return call(() -> relative(parent.putIfAbsent(full(key), payload)));
    }

    @Override
    public ObjectInfo copy(String sourceKey, String targetKey, Optional<String> expectedSourceEtag) {
        return call(() -> relative(parent.copy(full(sourceKey), full(targetKey), expectedSourceEtag)));
    }

    final ObjectStore parent() {
        return parent;
    }

    @Override
    public void delete(String key) {
        call(() -> {
            parent.delete(full(key));
            return null;
        });
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        call(() -> {
            parent.deleteAll(keys.stream().map(this::full).toList());
            return null;
        });
    }

    @Override
    public RequestMetrics metrics() {
        return parent.metrics();
    }

    /** The parent stays open: it is shared. */
    @Override
    public void close() {}

    /**
     * The same failure, named as this view names things: its location and the key relative to
     * it, so that messages and {@link StorageException#key()} agree with the caller's keys.
     */
    private StorageException rebased(StorageException e) {
        String key = e.key() != null && e.key().startsWith(prefix) ? e.key().substring(prefix.length()) : e.key();
        Throwable cause = e.getCause();
        StorageException rebased = switch (e) {
            case ObjectAlreadyExistsException ignored -> new ObjectAlreadyExistsException(location(), key, cause);
            case PreconditionFailedException ignored -> new PreconditionFailedException(location(), key, e.problem(), cause);
            case ObjectNotFoundException ignored -> new ObjectNotFoundException(location(), key, cause);
            case TransientStorageException ignored -> new TransientStorageException(location(), key, e.problem(), cause);
            case PermanentStorageException ignored -> new PermanentStorageException(location(), key, e.problem(), cause);
            case CorruptObjectException corrupt -> new CorruptObjectException(location(), key, corrupt.observedSize(),
                    e.problem().replace(" (observed size " + corrupt.observedSize() + " bytes)", ""), cause);
        };
        for (Throwable suppressed : e.getSuppressed()) {
            rebased.addSuppressed(suppressed);
        }
        return rebased;
    }

    private interface Call<T> {
        T run();
    }

    private <T> T call(Call<T> call) {
        try {
            return call.run();
        } catch (StorageException e) {
            throw rebased(e);
        }
    }

    final String full(String key) {
        return prefix + Keys.validate(key);
    }

    private ObjectInfo relative(ObjectInfo info) {
        return new ObjectInfo(info.key().substring(prefix.length()), info.size(), info.etag(), info.lastModified());
    }
}
