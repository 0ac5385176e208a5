package dev.ftindex.cli;

import dev.ftindex.format.IndexCollection;
import dev.ftindex.objectstore.ObjectStore;
import java.util.Optional;

/**
 * What a reading verb was pointed at: an index root, or a collection (with the generation asked
 * for, if any). {@link #root} gives the index root to read, resolving the alias when needed.
 *
 * @param store the index root or the collection
 * @param collection whether {@code store} is a collection
 * @param generation the generation asked for with {@code --generation}
 */
record Target(ObjectStore store, boolean collection, Optional<String> generation) {
    /** The root to read, and the generation it is (empty for an index root). */
    record Root(ObjectStore store, Optional<String> generation) {}

    /**
     * The named generation, the one the alias names now, or the index root itself.
     *
     * @throws dev.ftindex.format.NotCommittedException if the collection has no published generation
     */
    Root root() {
        if (!collection) {
            return new Root(store, Optional.empty());
        }
        IndexCollection indexCollection = new IndexCollection(store);
        if (generation.isPresent()) {
            return new Root(indexCollection.generation(generation.get()), generation);
        }
        IndexCollection.Resolved resolved = indexCollection.resolve();
        return new Root(resolved.root(), Optional.of(resolved.generation()));
    }
}
