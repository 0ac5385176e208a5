package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.DeletionMarker;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Payload;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Removes generations of a collection that nobody needs, and staging that nobody will commit.
 * A dry run unless told to delete.
 *
 * <p>Never deleted:
 *
 * <ul>
 *   <li>the current and the previous generation of the alias as read at the start;
 *   <li>a generation with any object younger than the grace period (a build or a finalize may be
 *       writing it: the grace period must exceed the longest build);
 *   <li>the {@code keep} most recently committed other generations;
 *   <li>a generation the alias names (current or previous) when it is read again just before that
 *       generation's deletion begins: a publish that won meanwhile keeps it. Before that read, gc
 *       writes {@code gc/<generation>.json} ({@link DeletionMarker}); a publish reads it after
 *       moving the alias, so a publish of a generation gc goes on to delete never reports success.
 * </ul>
 *
 * <p>Everything else is removed: committed generations nothing points at (superseded), and
 * generations that were never committed and are older than the grace period (abandoned). In a
 * generation that is kept, staging objects that the finalizer's cleanup left after the commit are
 * removed once they are older than the grace period.
 *
 * <p>A generation is deleted {@code metadata.lance} first: from that moment it is no longer
 * committed, so no publish can verify it and no reader can open it; a crash part way leaves an
 * uncommitted generation that the next run removes as abandoned. Not atomic across generations:
 * a failure stops the run and leaves the rest for the next one.
 */
public final class GarbageCollector {
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
     * @param keep committed generations kept besides the current and the previous, newest first
     * @param delete false for a dry run: report what would be removed
     */
    public record Options(Duration grace, int keep, boolean delete) {
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

    /** What happens to one generation. */
    public enum Decision {
        KEEP_CURRENT("keep: current"),
        KEEP_PREVIOUS("keep: previous"),
        KEEP_YOUNG("keep: younger than the grace period"),
        KEEP_RECENT("keep: among the --keep most recent"),
        KEEP_REPOINTED("keep: the alias names it now"),
        REMOVE_SUPERSEDED("remove: committed, superseded"),
        REMOVE_ABANDONED("remove: never committed, older than the grace period");

        private final String json;

        Decision(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }

        public boolean removes() {
            return this == REMOVE_SUPERSEDED || this == REMOVE_ABANDONED;
        }
    }

    /**
     * @param committedAt when its {@code metadata.lance} was written, or null if it never was
     * @param newest the newest object's time
     * @param objects and {@code bytes}: everything stored under the generation
     * @param stagingLeftover objects and bytes under a kept, committed generation's {@code staging/}
     *     older than the grace period: removed too
     * @param removed whether this run removed it (false in a dry run)
     */
    public record Generation(String generation, Decision decision, String committedAt, String newest, int objects, long bytes,
            int stagingLeftover, long stagingLeftoverBytes, boolean removed) {}

    /**
     * @param dryRun true unless {@code --delete}
     * @param current and {@code previous}: what the alias named at the start (null if nothing)
     * @param removableObjects and {@code removableBytes}: what is (or in a dry run would be) removed
     */
    public record Report(boolean dryRun, String grace, int keep, String current, String previous, List<Generation> generations,
            int removableObjects, long removableBytes) {}

    public Report run() {
        Optional<AliasVersion> alias = collection.latest();
        String current = alias.map(a -> a.current().generation()).orElse(null);
        String previous = alias.flatMap(a -> Optional.ofNullable(a.previous())).map(AliasVersion.Published::generation).orElse(null);
        Instant cutoff = clock.instant().minus(options.grace());
        if (options.delete()) {
            unmarkNamed(current, previous);
        }

        List<Survey> surveys = new ArrayList<>();
        try (Stage stage = progress.stage("listing", "generations", -1, -1)) {
            for (String generation : collection.generations()) {
                surveys.add(survey(generation));
                stage.add(1, 0);
            }
        }
        Set<String> recent = new HashSet<>();
        surveys.stream()
                .filter(s -> s.committedAt != null && !s.generation.equals(current) && !s.generation.equals(previous))
                .sorted(Comparator.comparing((Survey s) -> s.committedAt).reversed())
                .limit(options.keep())
                .forEach(s -> recent.add(s.generation));

        List<Generation> generations = new ArrayList<>();
        int removableObjects = 0;
        long removableBytes = 0;
        try (Stage stage = progress.stage(options.delete() ? "deleting" : "planning", "generations", surveys.size(), -1)) {
            for (Survey survey : surveys) {
                Decision decision;
                if (survey.generation.equals(current)) {
                    decision = Decision.KEEP_CURRENT;
                } else if (survey.generation.equals(previous)) {
                    decision = Decision.KEEP_PREVIOUS;
                } else if (survey.newest.isAfter(cutoff)) {
                    decision = Decision.KEEP_YOUNG;
                } else if (recent.contains(survey.generation)) {
                    decision = Decision.KEEP_RECENT;
                } else {
                    decision = survey.committedAt != null ? Decision.REMOVE_SUPERSEDED : Decision.REMOVE_ABANDONED;
                }
                List<ObjectInfo> leftover = decision.removes() || survey.committedAt == null ? List.of()
                        : survey.objects.stream().filter(o -> o.key().startsWith(IndexLayout.STAGING) && o.lastModified().isBefore(cutoff)).toList();
                boolean removed = false;
                if (options.delete() && decision.removes()) {
                    if (claim(survey.generation)) {
                        remove(survey);
                        removed = true;
                    } else {
                        decision = Decision.KEEP_REPOINTED;
                    }
                }
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
                        survey.newest.toString(), survey.objects.size(), survey.bytes(), leftover.size(), leftoverBytes, removed));
                stage.add(1, 0);
            }
        }
        return new Report(!options.delete(), options.grace().toString(), options.keep(), current, previous, generations,
                removableObjects, removableBytes);
    }

    /**
     * Marks {@code generation} as being deleted, then reads the alias again: true if it may be
     * deleted. If the alias names it now (a publish won since the start), the marker is removed
     * and the generation kept. The order (marker first, alias second; a publish does the
     * opposite) is what makes a concurrent publish of this generation fail instead of succeed.
     */
    private boolean claim(String generation) {
        String key = CollectionLayout.gcMarkerKey(generation);
        DeletionMarker marker = new DeletionMarker(DeletionMarker.FORMAT, DeletionMarker.VERSION, generation, token,
                clock.instant().toString());
        // Written unconditionally: a marker left by a crashed run, or by an earlier generation of
        // the same id, is renewed, so its time is after this generation's commit.
        collection.store().put(key, Payload.of(Json.writeChecksummed(marker)));
        boolean named = collection.latest()
                .map(a -> a.current().generation().equals(generation)
                        || (a.previous() != null && a.previous().generation().equals(generation)))
                .orElse(false);
        if (named) {
            collection.store().delete(key);
        }
        return !named;
    }

    /**
     * Markers of generations the alias names: left by a run that crashed between marking and
     * unmarking, or by a publish that lost to a deletion (its generation is gone; publishing it
     * again fails its verification). Removed so that a generation that is still whole can be
     * published again. Run one gc at a time: this is the one step that assumes it.
     */
    private void unmarkNamed(String current, String previous) {
        for (String generation : new String[] {current, previous}) {
            if (generation != null) {
                String key = CollectionLayout.gcMarkerKey(generation);
                try {
                    collection.store().head(key);
                    collection.store().delete(key);
                } catch (ObjectNotFoundException e) {
                    // not marked: the usual case
                }
            }
        }
    }

    /**
     * {@code metadata.lance} first, so a crash part way leaves an uncommitted generation, never a
     * committed one with holes. The marker stays: a publish that read the alias before this run
     * marked the generation still finds it when it checks after moving the alias.
     */
    private void remove(Survey survey) {
        ObjectStore root = collection.generation(survey.generation);
        if (survey.committedAt != null) {
            root.delete(IndexLayout.METADATA);
        }
        List<String> rest = survey.objects.stream().map(ObjectInfo::key).filter(key -> !key.equals(IndexLayout.METADATA)).toList();
        root.deleteAll(rest);
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
