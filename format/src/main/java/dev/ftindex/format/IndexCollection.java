package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A collection of generations and its alias ({@link CollectionLayout}), read through one store.
 * Readers given a collection resolve the alias; readers given a generation root use it directly.
 */
public final class IndexCollection {
    private final ObjectStore store;

    public IndexCollection(ObjectStore store) {
        this.store = requireNonNull(store, "store is null");
    }

    public ObjectStore store() {
        return store;
    }

    /** Whether {@code store} holds a collection (an alias or generations) rather than an index root. */
    public static boolean isCollection(ObjectStore store) {
        List<String> top = store.listPrefixes("");
        return top.contains(CollectionLayout.ALIAS_PREFIX.replace("/", "")) || top.contains(CollectionLayout.GENERATIONS.replace("/", ""));
    }

    /** The alias versions that exist, oldest first (one listing). */
    public List<Long> versions() {
        List<Long> versions = new ArrayList<>();
        for (ObjectInfo object : store.listShallow(CollectionLayout.ALIAS_PREFIX)) {
            CollectionLayout.aliasVersion(object.key()).ifPresent(versions::add);
        }
        versions.sort(null);
        return versions;
    }

    /** The current alias version: the highest that exists; empty before the first publish. */
    public Optional<AliasVersion> latest() {
        List<Long> versions = versions();
        return versions.isEmpty() ? Optional.empty() : Optional.of(version(versions.getLast()));
    }

    public AliasVersion version(long version) {
        return StoredJson.read(store, CollectionLayout.aliasKey(version), AliasVersion.class);
    }

    /** The last {@code count} versions, newest first. */
    public List<AliasVersion> history(int count) {
        List<Long> versions = versions();
        List<AliasVersion> history = new ArrayList<>();
        for (int i = versions.size() - 1; i >= 0 && history.size() < count; i--) {
            history.add(version(versions.get(i)));
        }
        return history;
    }

    /** Every generation that has anything stored, by id (names that are not generation ids are left out). */
    public List<String> generations() {
        return store.listPrefixes(CollectionLayout.GENERATIONS).stream().filter(CollectionLayout::isGeneration).toList();
    }

    /** A generation's index root, as a store of its own (sharing this one's client). */
    public ObjectStore generation(String generation) {
        return ObjectStores.prefixed(store, CollectionLayout.generationPrefix(generation));
    }

    /** The root readers of the collection use now. */
    public Optional<String> current() {
        return latest().map(alias -> alias.current().generation());
    }

    /**
     * The generation readers use now, as a root of its own.
     *
     * @throws NotCommittedException if nothing was published yet
     */
    public Resolved resolve() {
        AliasVersion alias = latest().orElseThrow(() -> NotCommittedException.unpublished(store.location()));
        return new Resolved(generation(alias.current().generation()), alias.current().generation(), alias);
    }

    /** A generation readers were pointed at: its root, its id, and the alias version that named it. */
    public record Resolved(ObjectStore root, String generation, AliasVersion alias) {}
}
