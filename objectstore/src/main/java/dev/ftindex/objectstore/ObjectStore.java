package dev.ftindex.objectstore;

import java.io.Closeable;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A flat namespace of immutable-by-convention objects under one root (an S3 bucket and
 * prefix, a local directory, or memory). This is everything ftindex asks of storage, and every
 * implementation must keep the contract written on each method; one shared contract test suite
 * ({@code ObjectStoreContractTest}) holds every implementation to it.
 *
 * <h2>Keys</h2>
 *
 * Keys are relative to the root, use {@code /} as separator, and are validated by {@link Keys}:
 * no leading slash, no empty, {@code .} or {@code ..} segments. Listing is by plain string
 * prefix, so {@code "staging/part_"} matches {@code staging/part_1.json} and
 * {@code staging/part_12/x}.
 *
 * <h2>Consistency</h2>
 *
 * After a write returns, every later read, head and list from any process sees it (S3 has
 * been strongly consistent since 2020; the local store fsyncs). Writes are atomic: a reader
 * sees the old object or the whole new one, never a part.
 *
 * <h2>Failures</h2>
 *
 * Every failure is a {@link StorageException} whose type says what to do next. A mutating call
 * that throws {@link TransientStorageException} may have been applied: callers must design
 * their protocol so that retrying it, or reading the state back, resolves the doubt.
 *
 * <p>Implementations are thread-safe.
 */
public interface ObjectStore extends Closeable {

    /** Where this store is rooted, as a URI that ends with {@code /}: used in every message. */
    String location();

    /**
     * Size, etag and modification time of one object.
     *
     * @throws ObjectNotFoundException if the key does not exist
     */
    ObjectInfo head(String key);

    /**
     * Opens the bytes of {@code range} of the object. The returned stream also tells the size
     * of the whole object, so a {@link ByteRange#suffix suffix} read learns both the footer and
     * the size in one request. The stream reads one version of the object even if the key is
     * replaced while it is open.
     *
     * @throws ObjectNotFoundException if the key does not exist
     */
    ObjectStream get(String key, ByteRange range);

    /** Opens the whole object. */
    default ObjectStream get(String key) {
        return get(key, ByteRange.ALL);
    }

    /**
     * Every object whose key starts with {@code prefix}, sorted by key, across all pages of the
     * underlying listing. Temporary files of an in-progress write never appear. An empty prefix
     * lists the whole store.
     */
    List<ObjectInfo> list(String prefix);

    /**
     * Like {@link #list}, but only keys with no {@code /} after the prefix: {@code
     * listShallow("staging/part_")} returns {@code staging/part_3.json} and not {@code
     * staging/part_3/attempt_a/_0.cfs}. Costs a page per thousand matching keys, however many
     * keys lie deeper.
     */
    List<ObjectInfo> listShallow(String prefix);

    /**
     * The distinct names that follow {@code prefix} up to the next {@code /}, for keys deeper
     * than that: {@code listPrefixes("generations/")} of {@code generations/a/x} and
     * {@code generations/b/y/z} is {@code [a, b]}. Sorted. Costs a page per thousand names (S3's
     * common prefixes), however many keys lie below them.
     */
    List<String> listPrefixes(String prefix);

    /**
     * Writes the object, replacing any existing one. Atomic: readers see the old object or the
     * whole new one. Large payloads are uploaded in parts; a failed multipart upload is aborted
     * so no parts are left behind (if the abort fails too, its error is attached as suppressed).
     *
     * @return the new object's info
     */
    ObjectInfo put(String key, Payload payload);

    /**
     * Creates the object only if the key does not exist. Exactly one of any number of
     * concurrent callers for the same key succeeds; the others get
     * {@link ObjectAlreadyExistsException} and the existing object is left untouched.
     *
     * <p>If the client retried internally and its first try had landed, the retry sees its own
     * object: implementations detect that and report success rather than AlreadyExists. A
     * {@link TransientStorageException} still leaves the outcome unknown: read the key back.
     *
     * @throws ObjectAlreadyExistsException if the key exists
     * @throws PermanentStorageException if the store cannot do create-only writes (it ignores
     *     the condition) and unsafe overwrites were not explicitly allowed
     */
    ObjectInfo putIfAbsent(String key, Payload payload);

    /**
     * Copies {@code sourceKey} to {@code targetKey} without the bytes passing through this
     * process where the store allows it (S3 server-side copy, multipart above a configurable
     * size, so objects over 5 GiB work). Atomic for readers of the target, like {@link #put}.
     *
     * @param expectedSourceEtag if present, the copy fails with
     *     {@link PreconditionFailedException} unless the source still has this etag
     * @throws ObjectNotFoundException if the source does not exist; the target is untouched
     */
    ObjectInfo copy(String sourceKey, String targetKey, Optional<String> expectedSourceEtag);

    /** Removes the object. Removing a missing key succeeds. */
    void delete(String key);

    /**
     * Removes every key, in batches where the store allows. Missing keys succeed. If some
     * deletes fail, the others still happen, and the exception names every failed key.
     */
    void deleteAll(Collection<String> keys);

    /** Requests this store has made so far, by operation. */
    RequestMetrics metrics();

    /** Releases clients and threads. The store must not be used afterwards. */
    @Override
    void close();
}
