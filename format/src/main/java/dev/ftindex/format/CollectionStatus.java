package dev.ftindex.format;

import dev.ftindex.objectstore.ObjectStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a collection holds, for people, orchestrators and the server's {@code /health}: the alias
 * (current and previous generation, the history of swaps), every committed generation, and the
 * generations being built with their staged and missing partitions ({@link IndexStatus} of each).
 */
public final class CollectionStatus {
    /** Versions of the alias shown as history. */
    public static final int HISTORY = 20;

    private CollectionStatus() {}

    /**
     * @param aliasVersion the current alias version, 0 before the first publish
     * @param current and {@code previous}: what the alias names (null before the first publish)
     * @param history the latest alias versions, newest first
     * @param generations every committed generation, oldest id first
     * @param building every generation with no commit yet
     * @param condemned generations gc is deleting (the alias's condemned list)
     */
    public record Report(String collection, long aliasVersion, AliasVersion.Published current, AliasVersion.Published previous,
            List<Swap> history, List<Committed> generations, List<Building> building, List<AliasVersion.Condemned> condemned) {}

    /** One version of the alias: what it made current, when and why. */
    public record Swap(long version, String generation, String previous, AliasVersion.Reason reason, String createdAt) {}

    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Committed(String generation, String indexId, int partitions, long docs, long bytes, String committedAt, String role,
                            Long deletedDocs) {}

    /**
     * @param expectedPartitions the count the workers were given, if any
     * @param missing partition ids not staged yet
     * @param verdict what finalize would do now
     */
    public record Building(String generation, int stagedPartitions, long stagedDocs, Integer expectedPartitions, List<Long> missing,
            IndexStatus.VerdictView verdict) {}

    public static Report inspect(ObjectStore store) {
        IndexCollection collection = new IndexCollection(store);
        List<AliasVersion> history = collection.history(HISTORY);
        Optional<AliasVersion> latest = history.isEmpty() ? Optional.empty() : Optional.of(history.getFirst());
        List<Committed> committed = new ArrayList<>();
        Set<String> committedIds = new HashSet<>();
        for (String generation : collection.generations()) {
            Optional<IndexRoot.Commit> commit = new IndexRoot(collection.generation(generation)).commit();
            if (commit.isPresent()) {
                IndexMetadata metadata = commit.get().metadata();
                String role = latest.map(a -> a.current().generation().equals(generation) ? "current"
                        : a.previous() != null && a.previous().generation().equals(generation) ? "previous"
                        : a.condemnation(generation).isPresent() ? "condemned" : null).orElse(null);
                committed.add(new Committed(generation, metadata.indexId(), metadata.totals().partitions(), metadata.totals().docs(),
                        metadata.totals().bytes(), commit.get().committedAt().toString(), role,
                        metadata.deletedDocs() == 0 ? null : metadata.deletedDocs()));
                committedIds.add(generation);
            }
        }
        List<Swap> swaps = history.stream().map(v -> new Swap(v.version(), v.current().generation(),
                v.previous() == null ? null : v.previous().generation(), v.reason(), v.createdAt())).toList();
        return new Report(store.location(), latest.map(AliasVersion::version).orElse(0L), latest.map(AliasVersion::current).orElse(null),
                latest.map(AliasVersion::previous).orElse(null), swaps, committed, building(collection, committedIds),
                latest.map(AliasVersion::condemned).orElse(List.of()));
    }

    /**
     * The generations being built: every generation with no commit, with what is staged and
     * missing. Those known to be committed ({@code committed}) are not read; those found committed
     * now are added to it, so a caller that keeps the set (the server, which polls) reads each
     * committed generation once.
     */
    public static List<Building> building(IndexCollection collection, Set<String> committed) {
        List<Building> building = new ArrayList<>();
        for (String generation : collection.generations()) {
            if (committed.contains(generation)) {
                continue;
            }
            IndexRoot root = new IndexRoot(collection.generation(generation));
            if (root.isCommitted()) {
                committed.add(generation);
            } else {
                building.add(building(generation, root.store()));
            }
        }
        return List.copyOf(building);
    }

    /** A generation with no commit: what is staged, what is missing (the same report as {@code status} on its root). */
    public static Building building(String generation, ObjectStore root) {
        IndexStatus.Report report = IndexStatus.inspect(root, Optional.empty());
        return new Building(generation, report.contents().partitions(), report.contents().docs(),
                report.expectation().expectedPartitions(), report.expectation().missing(), report.verdict());
    }
}
