package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.ObjectStore;

/**
 * The committed index an append is built on, opened: its root, its commit, and how manifests,
 * plans and commits refer to it ({@link #index}). Workers check their spec against it and record
 * it; the finalizer copies its partitions and checks ids against its {@link IdList}s.
 *
 * @param root the base's index root (for a collection's generation, a view of the same store as
 *     the new generation's, so its files are copied server-side)
 */
public record AppendBase(ObjectStore root, IndexMetadata metadata, BaseIndex index) {
    public AppendBase {
        requireNonNull(root, "root is null");
        requireNonNull(metadata, "metadata is null");
        requireNonNull(index, "index is null");
        if (!metadata.indexId().equals(index.indexId())) {
            throw new IllegalArgumentException("the base's reference names index " + index.indexId() + ", its commit " + metadata.indexId());
        }
    }

    /**
     * The base committed at {@code root}.
     *
     * @param generation its generation id in the collection, or null for an index root given by location
     * @throws NotCommittedException if nothing is committed there (exit 4)
     */
    public static AppendBase open(ObjectStore root, String generation) {
        IndexMetadata metadata = new IndexRoot(root).committed().orElseThrow(() -> new NotCommittedException(root.location()));
        return new AppendBase(root, metadata, BaseIndex.of(metadata, generation));
    }

    /**
     * The spec an append indexes with: the base's when none was given; a given one must be the
     * base's ({@link #requireSpec}).
     */
    public IndexSpec spec(java.util.Optional<IndexSpec> given) {
        given.ifPresent(this::requireSpec);
        return given.orElse(metadata.spec());
    }

    /**
     * Refuses (exit 5) a spec other than the base's: the partitions of one index share a spec,
     * or their statistics could not be summed and their scores would differ.
     */
    public void requireSpec(IndexSpec spec) {
        if (!spec.fingerprint().equals(metadata.specFingerprint())) {
            throw new ConflictException("this append's index spec (" + spec.fingerprint() + ") is not that of its base, "
                    + index.describe() + " (" + metadata.specFingerprint() + "): leave --spec out to use the base's spec");
        }
    }
}
