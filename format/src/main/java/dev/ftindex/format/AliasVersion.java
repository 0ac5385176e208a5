package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * One version of a collection's alias, {@code alias/<version>.json}: the generation readers use
 * now, the one before it, and the generations garbage collection is deleting. Written
 * create-only, each version once: the versions are the collection's history, and of two writers
 * that read the same version (publishers, or gc), exactly one creates the next.
 *
 * <p>Format version 1 has no {@code condemned} list and no {@code gc} reason; a version that
 * needs neither is still written as version 1, so readers of version 1 read it.
 *
 * @param version 1 for the first publish, one more each time
 * @param current the generation readers use
 * @param previous the one before it (rollback goes back to it), or null for the first
 * @param reason why this version was written: a publish, a rollback, or a gc claiming or
 *     releasing generations (then {@code current} and {@code previous} are the base version's)
 * @param token unique to the writer of this version, which tells a writer whose answer was lost
 *     whether the version that now exists is its own
 * @param condemned generations gc is deleting: claimed by a gc version and carried into every
 *     later version until gc has removed every object of theirs. No version names a condemned
 *     generation as current or previous, and none ever will (docs/PROTOCOL.md, "Garbage collection")
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AliasVersion(
        String format,
        int formatVersion,
        long version,
        Published current,
        Published previous,
        Reason reason,
        String token,
        String createdAt,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Condemned> condemned) {

    public static final String FORMAT = "ftindex-alias";
    /** The newest format this code reads and writes. */
    public static final int VERSION = 2;

    public AliasVersion {
        Versions.check(FORMAT, VERSION, format, formatVersion);
        if (version < 1) {
            throw new IllegalArgumentException("alias versions count from 1: " + version);
        }
        requireNonNull(current, "current is null");
        requireNonNull(reason, "reason is null");
        requireNonNull(token, "token is null");
        requireNonNull(createdAt, "createdAt is null");
        condemned = condemned == null ? List.of() : List.copyOf(condemned);
        if (formatVersion < formatVersionFor(reason, condemned)) {
            throw new IllegalArgumentException(FORMAT + " version " + formatVersion + " cannot hold a gc reason or condemned generations");
        }
        for (Condemned entry : condemned) {
            if (entry.generation().equals(current.generation()) || previous != null && entry.generation().equals(previous.generation())) {
                throw new IllegalArgumentException("alias version " + version + " names generation " + entry.generation()
                        + ", which it also lists as condemned");
            }
        }
    }

    /**
     * The version after {@code base} (or the first, if there is none), in the oldest format that
     * holds it; {@code condemned} is carried as given.
     */
    public static AliasVersion next(Optional<AliasVersion> base, Published current, Published previous, Reason reason,
            List<Condemned> condemned, String createdAt) {
        long version = base.map(AliasVersion::version).orElse(0L) + 1;
        return new AliasVersion(FORMAT, formatVersionFor(reason, condemned), version, current, previous, reason,
                UUID.randomUUID().toString(), createdAt, condemned);
    }

    private static int formatVersionFor(Reason reason, Collection<Condemned> condemned) {
        return reason == Reason.GC || !condemned.isEmpty() ? 2 : 1;
    }

    /** Whether this version names {@code generation}, as current or as previous. */
    public boolean names(String generation) {
        return current.generation().equals(generation) || previous != null && previous.generation().equals(generation);
    }

    /** The condemned entry of {@code generation}, if gc is deleting it. */
    public Optional<Condemned> condemnation(String generation) {
        return condemned.stream().filter(entry -> entry.generation().equals(generation)).findFirst();
    }

    /** {@link #condemned} with {@code added} appended and every generation in {@code removed} left out. */
    public List<Condemned> condemnedWith(List<Condemned> added, Collection<String> removed) {
        List<Condemned> result = new ArrayList<>();
        for (Condemned entry : condemned) {
            if (!removed.contains(entry.generation())) {
                result.add(entry);
            }
        }
        result.addAll(added);
        return List.copyOf(result);
    }

    /** Why a version was written. */
    public enum Reason implements WireEnum {
        PUBLISH,
        ROLLBACK,
        /** gc condemned generations, or released those it has removed; current and previous are unchanged. */
        GC;
    }

    /** A generation as the alias names it: its id, and what its metadata said when it was published. */
    public record Published(String generation, String indexId, int partitions, long docs, String committedAt) {
        public Published {
            CollectionLayout.checkGeneration(generation);
            IndexLayout.checkIndexId(indexId);
        }
    }

    /**
     * A generation gc is deleting.
     *
     * @param claimedAt when the gc run that condemned it wrote its claim
     * @param gcRun the token of that run
     */
    public record Condemned(String generation, String claimedAt, String gcRun) {
        public Condemned {
            CollectionLayout.checkGeneration(generation);
            requireNonNull(claimedAt, "claimedAt is null");
            requireNonNull(gcRun, "gcRun is null");
        }
    }
}
