package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.WireEnum;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;

/**
 * Removes generations of a collection that nobody needs, and staging that nobody will commit.
 * A dry run unless told to delete.
 *
 * <p>Never deleted:
 *
 * <ul>
 *   <li>the current and the previous generation of the alias as read at the start, and any
 *       generation the alias names when gc claims it (below): a publish that won meanwhile keeps it;
 *   <li>a generation with any object younger than the grace period (a build or a finalize may be
 *       writing it: the grace period must exceed the longest build);
 *   <li>a committed generation that no alias version ever named and that was committed after the
 *       current one (or before anything was published): it waits to be published. Never-published
 *       generations committed before the current one are removed only when asked
 *       ({@code removeUnpublished});
 *   <li>the {@code keep} most recently committed of the generations it would otherwise remove.
 * </ul>
 *
 * <p>Everything else is removed: committed generations an alias version once named and the
 * current one does not (superseded), and generations never committed whose newest object is older
 * than the grace period (abandoned). In a generation that is kept, staging objects that the
 * finalizer's cleanup left after the commit are removed once they are older than the grace period.
 *
 * <p>The deletion protocol, with {@code delete}:
 *
 * <ol>
 *   <li><b>Claim.</b> Read the current alias version {@code v}; leave out every generation it
 *       names (re-pointed since the start); create {@code v + 1} create-only with {@code v}'s current
 *       and previous, reason {@code gc}, and the rest added to its condemned list. Lost to another
 *       writer: read again and retry. From this version on, no publish names a condemned
 *       generation: a publisher reads the alias before it writes, refuses a condemned generation,
 *       and carries the list into the version it writes; one that read an older version loses its
 *       create-only write. So whatever the interleaving, the alias never names a generation gc
 *       deletes (docs/PROTOCOL.md gives the argument).
 *   <li><b>Delete</b> each claimed generation, {@code metadata.lance} first: from that moment it is
 *       no longer committed, so no reader can open it; then everything else under it, listed again.
 *   <li><b>Release.</b> Create one more version without the generations that now hold no object,
 *       so the condemned list stays short and an id can be used again. A crash before this leaves
 *       them condemned: the next run finishes deleting and releases them.
 * </ol>
 *
 * <p>Generations that were never committed are claimed too: a finalize that commits one after gc
 * surveyed it must not make it publishable while gc deletes its files. Before the first publish
 * there is no alias to claim with, and nothing committed is removed then.
 */
public final class GarbageCollector {
    /** How often a claim or a release is tried again after another writer created the alias version first. */
    private static final int ALIAS_RACES = 10;

    private final IndexCollection collection;
    private final Options options;
    private final Clock clock;
    private final Progress progress;
    private final String token = UUID.randomUUID().toString();

    public GarbageCollector(ObjectStore collection, Options options, Clock clock, Progress progress) {
        this.collection = new IndexCollection(requireNonNull(collection, "collection is null"));
        this.options = requireNonNull(options, "options is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /**
     * @param grace nothing with an object younger than this is deleted
     * @param keep generations kept among those that would be removed, most recently committed first
     * @param removeUnpublished whether committed generations that were never published and are
     *     older than the current one are removed (kept otherwise)
     * @param delete false for a dry run: report what would be removed
     */
    public record Options(Duration grace, int keep, boolean removeUnpublished, boolean delete) {
        public Options {
            requireNonNull(grace, "grace is null");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("the grace period must not be negative: " + grace);
            }
            if (keep < 0) {
                throw new IllegalArgumentException("keep must not be negative: " + keep);
            }
        }
    }

    /** What happens to one generation: its code on the wire ({@code keep-current}, ...), and a line for people. */
    public enum Decision implements WireEnum {
        KEEP_CURRENT("keep: current"),
        KEEP_PREVIOUS("keep: previous"),
        KEEP_YOUNG("keep: younger than the grace period"),
        KEEP_PENDING("keep: committed after the current generation, not published yet"),
        KEEP_UNPUBLISHED("keep: never published (--remove-unpublished removes it)"),
        KEEP_RECENT("keep: among the --keep most recent"),
        KEEP_REPOINTED("keep: the alias names it now"),
        REMOVE_SUPERSEDED("remove: committed, superseded"),
        REMOVE_UNPUBLISHED("remove: never published, committed before the current generation"),
        REMOVE_ABANDONED("remove: never committed, older than the grace period"),
        REMOVE_CONDEMNED("remove: an earlier gc run began deleting it");

        private final String description;

        Decision(String description) {
            this.description = description;
        }

        /** One line for people (the console's report). */
        public String description() {
            return description;
        }

        public boolean removes() {
            return this == REMOVE_SUPERSEDED || this == REMOVE_UNPUBLISHED || this == REMOVE_ABANDONED || this == REMOVE_CONDEMNED;
        }
    }

    /**
     * @param committedAt when its {@code metadata.lance} was written, or null if it never was
     * @param published whether an alias version ever named it
     * @param newest the newest object's time
     * @param objects and {@code bytes}: everything stored under the generation
     * @param stagingLeftover objects and bytes under a kept, committed generation's {@code staging/}
     *     older than the grace period: removed too
     * @param removed whether this run removed it (false in a dry run)
     */
    public record Generation(String generation, Decision decision, String committedAt, boolean published, String newest, int objects,
            long bytes, int stagingLeftover, long stagingLeftoverBytes, boolean removed) {}

    /**
     * @param dryRun true unless {@code --delete}
     * @param current and {@code previous}: what the alias named at the start (null if nothing)
     * @param removableObjects and {@code removableBytes}: what is (or in a dry run would be) removed
     * @param aliasVersions the versions this run wrote: its claim and its release
     */
    public record Report(boolean dryRun, String grace, int keep, boolean removeUnpublished, String current, String previous,
            List<Generation> generations, int removableObjects, long removableBytes, List<Long> aliasVersions) {}

    public Report run() {
        ExecutorService readers = Tasks.pool(8, "gc-read");
        try {
            return run(readers);
        } finally {
            readers.shutdownNow();
        }
    }

    private Report run(ExecutorService readers) {
        Optional<AliasVersion> alias = collection.latest();
        String current = alias.map(a -> a.current().generation()).orElse(null);
        String previous = alias.flatMap(a -> Optional.ofNullable(a.previous())).map(AliasVersion.Published::generation).orElse(null);
        Optional<Instant> currentCommittedAt = alias.map(a -> Instant.parse(a.current().committedAt()));
        Set<String> published = collection.everNamed(readers);
        Instant cutoff = clock.instant().minus(options.grace());

        List<Survey> surveys = new ArrayList<>();
        try (Stage stage = progress.stage("listing", Unit.GENERATIONS, -1, -1)) {
            for (String generation : collection.generations()) {
                surveys.add(survey(generation));
                stage.add(1, 0);
            }
        }
        Map<String, Decision> decisions = new LinkedHashMap<>();
        for (Survey survey : surveys) {
            decisions.put(survey.generation, decide(survey, alias, published, currentCommittedAt, cutoff));
        }
        // --keep spares the most recently committed of what would be removed (abandoned builds
        // and generations gc already began deleting are not spared).
        surveys.stream()
                .filter(s -> decisions.get(s.generation) == Decision.REMOVE_SUPERSEDED || decisions.get(s.generation) == Decision.REMOVE_UNPUBLISHED)
                .sorted(Comparator.comparing((Survey s) -> s.committedAt).reversed())
                .limit(options.keep())
                .forEach(s -> decisions.put(s.generation, Decision.KEEP_RECENT));

        List<Long> written = new ArrayList<>();
        Set<String> removed = new HashSet<>();
        if (options.delete()) {
            Set<String> wanted = new LinkedHashSet<>();
            decisions.forEach((generation, decision) -> {
                if (decision.removes()) {
                    wanted.add(generation);
                }
            });
            Set<String> claimed = claim(wanted, alias.isPresent(), written);
            wanted.stream().filter(g -> !claimed.contains(g)).forEach(g -> decisions.put(g, Decision.KEEP_REPOINTED));
            try (Stage stage = progress.stage("deleting", Unit.GENERATIONS, claimed.size(), -1)) {
                for (String generation : claimed) {
                    remove(generation);
                    removed.add(generation);
                    stage.add(1, 0);
                }
            }
            release(written);
            removeLegacyMarkers();
        }

        List<Generation> generations = new ArrayList<>();
        int removableObjects = 0;
        long removableBytes = 0;
        for (Survey survey : surveys) {
            Decision decision = decisions.get(survey.generation);
            List<ObjectInfo> leftover = decision.removes() || survey.committedAt == null ? List.of()
                    : survey.objects.stream().filter(o -> o.key().startsWith(IndexLayout.STAGING) && o.lastModified().isBefore(cutoff)).toList();
            if (options.delete() && !leftover.isEmpty()) {
                collection.generation(survey.generation).deleteAll(leftover.stream().map(ObjectInfo::key).toList());
            }
            long leftoverBytes = leftover.stream().mapToLong(ObjectInfo::size).sum();
            if (decision.removes()) {
                removableObjects += survey.objects.size();
                removableBytes += survey.bytes();
            }
            removableObjects += leftover.size();
            removableBytes += leftoverBytes;
            generations.add(new Generation(survey.generation, decision, survey.committedAt == null ? null : survey.committedAt.toString(),
                    published.contains(survey.generation), survey.newest.toString(), survey.objects.size(), survey.bytes(), leftover.size(),
                    leftoverBytes, removed.contains(survey.generation)));
        }
        return new Report(!options.delete(), options.grace().toString(), options.keep(), options.removeUnpublished(), current, previous,
                generations, removableObjects, removableBytes, List.copyOf(written));
    }

    /** The rules of the class comment, for one generation, before {@code --keep}. */
    private Decision decide(Survey survey, Optional<AliasVersion> alias, Set<String> published, Optional<Instant> currentCommittedAt,
            Instant cutoff) {
        String generation = survey.generation;
        if (alias.isPresent() && alias.get().current().generation().equals(generation)) {
            return Decision.KEEP_CURRENT;
        }
        if (alias.isPresent() && alias.get().previous() != null && alias.get().previous().generation().equals(generation)) {
            return Decision.KEEP_PREVIOUS;
        }
        if (alias.isPresent() && alias.get().condemnation(generation).isPresent()) {
            return Decision.REMOVE_CONDEMNED;
        }
        if (survey.newest.isAfter(cutoff)) {
            return Decision.KEEP_YOUNG;
        }
        if (survey.committedAt == null) {
            return Decision.REMOVE_ABANDONED;
        }
        if (published.contains(generation)) {
            return Decision.REMOVE_SUPERSEDED;
        }
        if (currentCommittedAt.isEmpty() || survey.committedAt.isAfter(currentCommittedAt.get())) {
            return Decision.KEEP_PENDING;
        }
        return options.removeUnpublished() ? Decision.REMOVE_UNPUBLISHED : Decision.KEEP_UNPUBLISHED;
    }

    /**
     * Step 1: condemns {@code wanted} in a new alias version, leaving out what the alias names now.
     * Returns the generations that may be deleted: condemned by this run's version or an earlier
     * one. Without an alias (nothing published yet) only generations that were never committed are
     * deleted, unclaimed: nothing can publish them while they are not committed.
     */
    private Set<String> claim(Set<String> wanted, boolean aliased, List<Long> written) {
        if (wanted.isEmpty()) {
            return Set.of();
        }
        for (int attempt = 1; attempt <= ALIAS_RACES; attempt++) {
            Optional<AliasVersion> base = collection.latest();
            if (base.isEmpty()) {
                if (aliased) {
                    throw new ConflictException(collection.store().location() + ": the alias vanished while gc ran; nothing was deleted");
                }
                return wanted; // only abandoned builds: see decide()
            }
            Set<String> free = new LinkedHashSet<>(wanted);
            free.removeIf(base.get()::names);
            List<AliasVersion.Condemned> added = free.stream().filter(g -> base.get().condemnation(g).isEmpty())
                    .map(g -> new AliasVersion.Condemned(g, clock.instant().toString(), token)).toList();
            if (added.isEmpty()) {
                return free;
            }
            AliasVersion claim = AliasVersion.next(base, base.get().current(), base.get().previous(), AliasVersion.Reason.GC,
                    base.get().condemnedWith(added, Set.of()), clock.instant().toString());
            if (collection.append(claim) instanceof IndexCollection.Append.Written) {
                written.add(claim.version());
                return free;
            }
        }
        throw new ConflictException(collection.store().location() + ": the alias moved " + ALIAS_RACES
                + " times while gc tried to claim " + wanted + "; nothing was deleted: run gc again");
    }

    /**
     * Step 2: {@code metadata.lance} first, so a crash part way leaves an uncommitted generation,
     * never a committed one with holes; then everything listed under it, listed again until
     * nothing is left (what a late writer added after the survey goes too).
     */
    private void remove(String generation) {
        ObjectStore root = collection.generation(generation);
        root.delete(IndexLayout.METADATA);
        for (int round = 0; round < 3; round++) {
            List<String> keys = root.list("").stream().map(ObjectInfo::key).toList();
            if (keys.isEmpty()) {
                return;
            }
            root.deleteAll(keys);
        }
    }

    /**
     * Step 3: drops from the condemned list every generation that holds no object any more (this
     * run's and any an earlier run left). Losing every race here is harmless: the next run
     * releases them.
     */
    private void release(List<Long> written) {
        for (int attempt = 1; attempt <= ALIAS_RACES; attempt++) {
            Optional<AliasVersion> base = collection.latest();
            if (base.isEmpty()) {
                return;
            }
            Set<String> gone = new HashSet<>();
            for (AliasVersion.Condemned condemned : base.get().condemned()) {
                if (collection.generation(condemned.generation()).list("").isEmpty()) {
                    gone.add(condemned.generation());
                }
            }
            if (gone.isEmpty()) {
                return;
            }
            AliasVersion release = AliasVersion.next(base, base.get().current(), base.get().previous(), AliasVersion.Reason.GC,
                    base.get().condemnedWith(List.of(), gone), clock.instant().toString());
            if (collection.append(release) instanceof IndexCollection.Append.Written) {
                written.add(release.version());
                return;
            }
        }
    }

    /** ftindex 0.1's {@code gc/<generation>.json} markers, of generations that are gone. */
    private void removeLegacyMarkers() {
        Set<String> present = new HashSet<>(collection.generations());
        List<String> stale = collection.store().listShallow(CollectionLayout.LEGACY_GC_PREFIX).stream().map(ObjectInfo::key)
                .filter(key -> CollectionLayout.legacyGcMarkerGeneration(key).filter(g -> !present.contains(g)).isPresent()).toList();
        if (!stale.isEmpty()) {
            collection.store().deleteAll(stale);
        }
    }

    private Survey survey(String generation) {
        CollectionLayout.checkGeneration(generation);
        List<ObjectInfo> objects = collection.generation(generation).list("");
        Instant committedAt = null;
        Instant newest = Instant.EPOCH;
        for (ObjectInfo object : objects) {
            if (object.key().equals(IndexLayout.METADATA)) {
                committedAt = object.lastModified();
            }
            if (object.lastModified().isAfter(newest)) {
                newest = object.lastModified();
            }
        }
        return new Survey(generation, objects, committedAt, newest);
    }

    private record Survey(String generation, List<ObjectInfo> objects, Instant committedAt, Instant newest) {
        long bytes() {
            return objects.stream().mapToLong(ObjectInfo::size).sum();
        }
    }
}
