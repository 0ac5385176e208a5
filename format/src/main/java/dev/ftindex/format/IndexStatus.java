package dev.ftindex.format;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * What an index root holds, for people and orchestrators: committed or not, and before the
 * commit, what is staged, what is missing, whether a plan is frozen, which attempts are orphans
 * (files no manifest refers to: failed, losing or zombie attempts), and what {@code finalize}
 * would do now: the same {@link IndexRoot#verdict} the finalizer acts on.
 */
public final class IndexStatus {
    private IndexStatus() {}

    /**
     * @param committed whether {@code metadata.lance} exists (and is valid)
     * @param contents the committed index, or what is staged before the commit
     * @param expectation the partition count a commit requires and what is missing
     * @param plan the frozen plan, if one exists
     * @param unplannedPartitions staged partitions the frozen plan does not include
     * @param orphanAttempts staged files that no manifest refers to, by attempt
     * @param stagingObjects objects under {@code staging/} (after a commit: what cleanup left)
     * @param verdict what finalize would do now
     * @param base the committed index this one is (or is being) appended to, if any
     * @param origins a committed index's partitions and where each came from
     * @param duplicateIds the duplicate ids a committed index was committed with
     *     ({@code --allow-duplicate-ids}); absent when none
     * @param deletions documents an update deleted and no compaction has removed yet; absent when none
     */
    public record Report(
            String root,
            boolean committed,
            @JsonUnwrapped Contents contents,
            List<StagedPartition> staged,
            @JsonUnwrapped Expectation expectation,
            Plan plan,
            List<Long> unplannedPartitions,
            List<IndexRoot.Orphan> orphanAttempts,
            int stagingObjects,
            VerdictView verdict,
            BaseIndex base,
            List<PartitionOrigin> origins,
            @JsonInclude(JsonInclude.Include.NON_NULL) DuplicateIds duplicateIds,
            @JsonInclude(JsonInclude.Include.NON_NULL) Deletions deletions) {}

    /**
     * Documents deleted by updates (upserts, deletes) that are still in the partitions' segments:
     * hidden from every result, but counted in the statistics (as one Lucene index counts them
     * until a merge) and in {@code docs}.
     *
     * @param deletedDocs deleted documents, summed over the partitions
     * @param share their share of the generation's documents, 0 to 1
     * @param mostDeletedShare the largest share of one partition
     */
    public record Deletions(long deletedDocs, double share, double mostDeletedShare) {
        static Deletions of(IndexMetadata metadata) {
            long deleted = metadata.deletedDocs();
            if (deleted == 0) {
                return null;
            }
            double most = metadata.partitions().stream().filter(p -> p.docCount() > 0)
                    .mapToDouble(p -> (double) (p.docCount() - p.liveDocs()) / p.docCount()).max().orElse(0);
            return new Deletions(deleted, (double) deleted / Math.max(1, metadata.totals().docs()), most);
        }
    }

    /**
     * Ids a committed index holds more than once, kept with {@code --allow-duplicate-ids}: every
     * record of them is indexed and found.
     *
     * @param acrossPartitions distinct ids in more than one partition (for an append: of the new
     *     partitions, also in the base or another new one)
     * @param withinPartitions ids more than once inside one partition, summed over the partitions
     */
    public record DuplicateIds(long acrossPartitions, long withinPartitions) {
        static DuplicateIds of(IndexMetadata metadata) {
            long across = metadata.crossDuplicateIds() == null ? 0 : metadata.crossDuplicateIds();
            long within = metadata.duplicateIdsWithinPartitions();
            return across == 0 && within == 0 ? null : new DuplicateIds(across, within);
        }
    }

    /**
     * Committed partition {@code n}: copied from the base's partition {@code basePartition}, or
     * built for this index (as {@code partition} by {@code attempt}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartitionOrigin(int n, long docs, String from, Integer basePartition, long partition, String attempt, Long deletedDocs) {
        static PartitionOrigin of(IndexMetadata.CommittedPartition partition) {
            return new PartitionOrigin(partition.n(), partition.docCount(), partition.basePartition() != null ? "base" : "built",
                    partition.basePartition(), partition.partition(), partition.attempt(), partition.deletedDocs());
        }
    }

    /** The committed index (its id), or the staged partitions before the commit (no id). */
    public record Contents(String indexId, int partitions, long docs, long bytes) {}

    /**
     * @param expectedPartitions the count the flag, the manifests or the plan require, if any
     * @param expectedFrom where that count came from: {@code flag}, {@code manifests}, {@code plan},
     *     {@code committed}, or {@code manifests disagree: [3, 4]}
     * @param missing partition ids in {@code 0..expected-1} that are not staged
     */
    public record Expectation(Integer expectedPartitions, String expectedFrom, List<Long> missing) {}

    public record StagedPartition(long partition, String attempt, long docs, long bytes, Integer expectedPartitions, String createdAt) {}

    public record Plan(String indexId, int partitions, Integer expectedPartitions) {}

    /**
     * @param action what an orchestrator should do: {@code committed}, {@code commit} (finalize
     *     would commit now), {@code wait} (partitions missing: exit 4), {@code conflict} (exit 5)
     * @param message one line for people
     */
    public record VerdictView(Verdict.Action action, String message) {}

    public static Report inspect(ObjectStore store, Optional<Integer> expectedFlag) {
        ExecutorService readers = Tasks.pool(16, "status");
        try {
            return inspect(new IndexRoot(store, readers), expectedFlag);
        } finally {
            readers.shutdownNow();
        }
    }

    private static Report inspect(IndexRoot root, Optional<Integer> expectedFlag) {
        ObjectStore store = root.store();
        Verdict verdict = root.verdict(expectedFlag);
        VerdictView view = new VerdictView(verdict.action(), verdict.message());
        int stagingObjects = store.list(dev.ftindex.format.IndexLayout.STAGING).size();
        if (verdict instanceof Verdict.Committed committed) {
            IndexMetadata metadata = committed.metadata();
            IndexMetadata.Totals totals = metadata.totals();
            return new Report(store.location(), true, new Contents(metadata.indexId(), totals.partitions(), totals.docs(), totals.bytes()),
                    List.of(), new Expectation(totals.partitions(), "committed", List.of()), null, List.of(), List.of(), stagingObjects, view,
                    metadata.base(), metadata.partitions().stream().map(PartitionOrigin::of).toList(), DuplicateIds.of(metadata),
                    Deletions.of(metadata));
        }
        List<PartitionManifest> manifests = root.manifests();
        List<StagedPartition> staged = manifests.stream()
                .map(m -> new StagedPartition(m.partition(), m.attempt(), m.docCount(), m.bytes(), m.expectedPartitions(), m.createdAt()))
                .toList();
        Contents contents = new Contents(null, staged.size(), staged.stream().mapToLong(StagedPartition::docs).sum(),
                staged.stream().mapToLong(StagedPartition::bytes).sum());
        Optional<FinalizePlan> frozen = root.plan();
        Plan plan = frozen.map(p -> new Plan(p.indexId(), p.partitions().size(), p.expectedPartitions())).orElse(null);
        List<Long> unplanned = verdict instanceof Verdict.FollowPlan follow ? follow.unplanned() : List.of();
        return new Report(store.location(), false, contents, staged, expectation(verdict, frozen, expectedFlag, manifests), plan,
                unplanned, root.orphans(), stagingObjects, view, manifests.isEmpty() ? null : manifests.getFirst().base(), List.of(), null, null);
    }

    /** The count the verdict was decided by: what status promises is what finalize does. */
    private static Expectation expectation(Verdict verdict, Optional<FinalizePlan> frozen, Optional<Integer> flag,
                                           List<PartitionManifest> manifests) {
        if (frozen.isPresent()) {
            return new Expectation(frozen.get().stagedPartitions().size(), CountSource.PLAN.json(), List.of());
        }
        return switch (verdict) {
            case Verdict.Missing missing -> expectationOf(missing.reason(), flag, manifests);
            case Verdict.MakePlan make -> new Expectation(make.plan().expectedPartitions(),
                    make.plan().expectedPartitions() == null ? null : make.plan().partitionCount().json(), List.of());
            default -> fromCount(flag, manifests);
        };
    }

    private static Expectation expectationOf(PartitionsMissingException missing, Optional<Integer> flag, List<PartitionManifest> manifests) {
        Expectation counted = fromCount(flag, manifests);
        return new Expectation(counted.expectedPartitions(), counted.expectedFrom(), missing.missing());
    }

    private static Expectation fromCount(Optional<Integer> flag, List<PartitionManifest> manifests) {
        return switch (dev.ftindex.format.PartitionCount.decide(flag, manifests)) {
            case dev.ftindex.format.PartitionCount.Required required -> new Expectation(required.value(), required.source().json(), List.of());
            case dev.ftindex.format.PartitionCount.Disputed disputed -> new Expectation(null,
                    "manifests disagree: " + new java.util.TreeSet<>(disputed.stated().keySet()), List.of());
            case dev.ftindex.format.PartitionCount.AsStaged ignored -> new Expectation(null, null, List.of());
        };
    }
}
