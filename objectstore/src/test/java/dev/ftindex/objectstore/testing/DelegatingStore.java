package dev.ftindex.objectstore.testing;

import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.RequestMetrics;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Forwards every call; tests override the calls they want to observe or bend. */
public abstract class DelegatingStore implements ObjectStore {
    protected final ObjectStore delegate;

    protected DelegatingStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public String location() {
        return delegate.location();
    }

    @Override
    public ObjectInfo head(String key) {
        return delegate.head(key);
    }

    @Override
    public ObjectStream get(String key, ByteRange range) {
        return delegate.get(key, range);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public List<ObjectInfo> listShallow(String prefix) {
        return delegate.listShallow(prefix);
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        return delegate.listPrefixes(prefix);
    }

    @Override
    public ObjectInfo put(String key, Payload payload) {
        return delegate.put(key, payload);
    }

    @Override
    public ObjectInfo putIfAbsent(String key, Payload payload) {
        return delegate.putIfAbsent(key, payload);
    }

    @Override
    public ObjectInfo copy(String sourceKey, String targetKey, Optional<String> expectedSourceEtag) {
        return delegate.copy(sourceKey, targetKey, expectedSourceEtag);
    }

    @Override
    public void delete(String key) {
        delegate.delete(key);
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        delegate.deleteAll(keys);
    }

    @Override
    public RequestMetrics metrics() {
        return delegate.metrics();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
