package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.Tasks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;

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

    /**
     * Every generation any alias version ever named as current or previous: every version is
     * read, on {@code readers}. What gc tells "superseded" from "never published" by.
     */
    public Set<String> everNamed(ExecutorService readers) {
        List<Callable<AliasVersion>> reads = new ArrayList<>();
        for (long version : versions()) {
            reads.add(() -> version(version));
        }
        Set<String> named = new HashSet<>();
        for (AliasVersion version : Tasks.runAll(readers, reads)) {
            named.add(version.current().generation());
            if (version.previous() != null) {
                named.add(version.previous().generation());
            }
        }
        return named;
    }

    /** How writing the next alias version ended. */
    public sealed interface Append {
        /** This writer created the version. */
        record Written(AliasVersion version) implements Append {}

        /** Another writer created a version with that number first: {@code winner}. */
        record Lost(AliasVersion winner) implements Append {}
    }

    /**
     * Creates {@code next} under its version number, create-only: of two writers that read the same
     * version, exactly one creates the next. An ambiguous outcome is settled by reading the version
     * back; its token says whose it is ({@link StoredJson#createOnly}).
     *
     * @throws ConflictException if the version existed and vanished before it could be read
     *     (alias versions are never deleted: something else is at work)
     */
    public Append append(AliasVersion next) {
        String key = CollectionLayout.aliasKey(next.version());
        StoredJson.Created<AliasVersion> created = StoredJson.createOnly(store, key, next, Json.writeChecksummed(next), false);
        AliasVersion stored = created.stored().orElseThrow(() -> new ConflictException(store.location() + key
                + " existed and vanished: is something deleting alias versions?"));
        return stored.token().equals(next.token()) ? new Append.Written(stored) : new Append.Lost(stored);
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
