package dev.ftindex.objectstore.testing;

import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.Keys;
import dev.ftindex.objectstore.ObjectAlreadyExistsException;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.PreconditionFailedException;
import dev.ftindex.objectstore.RequestMetrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/** Objects in a sorted concurrent map: for tests, benchmarks and fast protocol checks; never shipped. */
public final class InMemoryObjectStore implements ObjectStore {
    private record Blob(byte[] data, ObjectInfo info) {}

    private static final AtomicLong STORES = new AtomicLong();

    private final ConcurrentNavigableMap<String, Blob> objects = new ConcurrentSkipListMap<>();
    private final AtomicLong versions = new AtomicLong();
    private final RequestMetrics metrics = new RequestMetrics();
    private final String location = "memory://store-" + STORES.incrementAndGet() + "/";

    /** An empty store, private to the caller. */
    public static ObjectStore create() {
        return new InMemoryObjectStore();
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public ObjectInfo head(String key) {
        metrics.request("head");
        return blob(Keys.validate(key)).info();
    }

    @Override
    public ObjectStream get(String key, ByteRange range) {
        metrics.request("get");
        Blob blob = blob(Keys.validate(key));
        long[] span = range.resolve(blob.data().length);
        metrics.bytes(span[1] - span[0], 0);
        InputStream in = new ByteArrayInputStream(blob.data(), (int) span[0], (int) (span[1] - span[0]));
        return new ObjectStream(in, blob.info(), span[0], span[1]);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        metrics.request("list");
        Keys.validatePrefix(prefix);
        List<ObjectInfo> result = new ArrayList<>();
        for (Map.Entry<String, Blob> entry : objects.tailMap(prefix, true).entrySet()) {
            if (!entry.getKey().startsWith(prefix)) {
                break;
            }
            result.add(entry.getValue().info());
        }
        return result;
    }

    @Override
    public List<ObjectInfo> listShallow(String prefix) {
        List<ObjectInfo> all = list(prefix);
        return all.stream().filter(info -> info.key().indexOf('/', prefix.length()) < 0).toList();
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (ObjectInfo info : list(prefix)) {
            int slash = info.key().indexOf('/', prefix.length());
            if (slash >= 0) {
                names.add(info.key().substring(prefix.length(), slash));
            }
        }
        return List.copyOf(names);
    }

    @Override
    public ObjectInfo put(String key, Payload payload) {
        metrics.request("put");
        Blob blob = blob(Keys.validate(key), payload);
        objects.put(key, blob);
        return blob.info();
    }

    @Override
    public ObjectInfo putIfAbsent(String key, Payload payload) {
        metrics.request("putIfAbsent");
        Blob blob = blob(Keys.validate(key), payload);
        if (objects.putIfAbsent(key, blob) != null) {
            throw new ObjectAlreadyExistsException(location, key, null);
        }
        return blob.info();
    }

    @Override
    public ObjectInfo copy(String sourceKey, String targetKey, Optional<String> expectedSourceEtag) {
        metrics.request("copy");
        Keys.validate(targetKey);
        Blob source = blob(Keys.validate(sourceKey));
        if (expectedSourceEtag.isPresent() && !expectedSourceEtag.get().equals(source.info().etag())) {
            throw new PreconditionFailedException(location, sourceKey,
                    "etag is " + source.info().etag() + ", expected " + expectedSourceEtag.get(), null);
        }
        Blob copy = blob(targetKey, source.data());
        objects.put(targetKey, copy);
        return copy.info();
    }

    @Override
    public void delete(String key) {
        metrics.request("delete");
        objects.remove(Keys.validate(key));
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        metrics.request("deleteAll");
        keys.forEach(Keys::validate);
        keys.forEach(objects::remove);
    }

    @Override
    public RequestMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {}

    private Blob blob(String key) {
        Blob blob = objects.get(key);
        if (blob == null) {
            throw new ObjectNotFoundException(location, key, null);
        }
        return blob;
    }

    private Blob blob(String key, Payload payload) {
        try (InputStream in = payload.open()) {
            byte[] data = in.readAllBytes();
            metrics.bytes(0, data.length);
            return blob(key, data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the payload for " + location + key, e);
        }
    }

    private Blob blob(String key, byte[] data) {
        String etag = "v" + versions.incrementAndGet();
        return new Blob(data, new ObjectInfo(key, data.length, etag, Instant.now()));
    }
}
