package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.FileEntry;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What an append deletes of its base, besides adding the new partitions.
 *
 * @param upsert an id of the new input that the base holds replaces the base's document (else it
 *     is a duplicate, refused unless allowed)
 * @param deletes the ids to delete, sorted and distinct, if any
 * @param strictDeletes an id to delete that the base does not hold fails the run (exit 3) instead
 *     of being reported
 */
public record BaseUpdate(boolean upsert, Optional<DeleteIds> deletes, boolean strictDeletes) {
    public static final BaseUpdate NONE = new BaseUpdate(false, Optional.empty(), false);

    public BaseUpdate {
        requireNonNull(deletes, "deletes is null");
    }

    /** Whether this update deletes anything of the base (so the finalizer must merge its ids with the base's). */
    public boolean any() {
        return upsert || deletes.isPresent();
    }

    /**
     * A delete list as the worker read it ({@code worker.DeleteList}): an {@code ftindex.ids} list
     * in the local directory {@code directory}, what it is ({@code file}), a hash of its ids, and
     * where it came from (for messages).
     */
    public record DeleteIds(Path directory, FileEntry file, String fingerprint, String source) {
        public DeleteIds {
            requireNonNull(directory, "directory is null");
            requireNonNull(file, "file is null");
            requireNonNull(fingerprint, "fingerprint is null");
            requireNonNull(source, "source is null");
        }
    }
}
