package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code staging/_plan.json}: which staged attempt becomes which final partition. The first
 * finalizer writes it create-only; every later or concurrent finalizer reads and follows it, so
 * they all copy the same bytes to the same names and write the same {@code metadata.lance}.
 *
 * <p>The plan is a pure function of the manifests it was made from: its {@code indexId} is a hash
 * of its content, so two finalizers that see the same staged partitions make byte-identical
 * plans.
 *
 * @param expectedPartitions the partition count required, if one was known
 * @param partitionCount where the count came from: {@code flag}, {@code manifests}, or
 *     {@code staged} (nothing stated one; whatever was staged is committed)
 * @param base the committed index this plan appends to: its partitions come first, each copied
 *     unchanged from the base's final files; absent for a whole index
 * @param partitions numbered densely from 0: the base's partitions in the base's order, then the
 *     staged partitions sorted by partition id
 * @param crossDuplicateIds ids of the staged partitions that the base or another staged partition
 *     holds too, kept because the finalizer was told to allow them (or the partitions keep a
 *     compacted index's); absent when none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FinalizePlan(
        String format,
        int formatVersion,
        String indexId,
        Integer expectedPartitions,
        CountSource partitionCount,
        String luceneVersion,
        IndexSpec spec,
        String specFingerprint,
        String inputFingerprint,
        BaseIndex base,
        List<PlannedPartition> partitions,
        Long crossDuplicateIds) {

    public static final String FORMAT = "ftindex-finalize-plan";
    public static final int VERSION = 1;
    /** The id of a plan whose id is not computed yet; removed before hashing. */
    private static final String PENDING_ID = "0".repeat(32);

    public FinalizePlan {
        Versions.check(FORMAT, VERSION, format, formatVersion);
        IndexLayout.checkIndexId(indexId);
        requireNonNull(partitionCount, "partitionCount is null");
        requireNonNull(luceneVersion, "luceneVersion is null");
        requireNonNull(spec, "spec is null");
        requireNonNull(specFingerprint, "specFingerprint is null");
        partitions = List.copyOf(requireNonNull(partitions, "partitions is null"));
        int fromBase = base == null ? 0 : base.partitions();
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < partitions.size(); i++) {
            PlannedPartition partition = partitions.get(i);
            if (partition.n() != i) {
                throw new IllegalArgumentException("partitions must be numbered densely from 0: found " + partition.n() + " at position " + i);
            }
            if (i < fromBase) {
                if (partition.basePartition() == null || partition.basePartition() != i) {
                    throw new IllegalArgumentException("partition " + i + " must be the base's partition " + i);
                }
                continue;
            }
            if (partition.basePartition() != null) {
                throw new IllegalArgumentException("partition " + i + " names a base partition, but the plan's base has " + fromBase);
            }
            if (!ids.add(partition.partition())) {
                throw new IllegalArgumentException("partition " + partition.partition() + " appears twice");
            }
            if (i > fromBase && partitions.get(i - 1).partition() >= partition.partition()) {
                throw new IllegalArgumentException("partitions must be sorted by partition id");
            }
        }
        if (crossDuplicateIds != null && crossDuplicateIds < 1) {
            throw new IllegalArgumentException("crossDuplicateIds is positive or absent: " + crossDuplicateIds);
        }
    }

    /** The plan of a whole index (no base). */
    public FinalizePlan(String format, int formatVersion, String indexId, Integer expectedPartitions, CountSource partitionCount,
                        String luceneVersion, IndexSpec spec, String specFingerprint, String inputFingerprint,
                        List<PlannedPartition> partitions) {
        this(format, formatVersion, indexId, expectedPartitions, partitionCount, luceneVersion, spec, specFingerprint, inputFingerprint,
                null, partitions, null);
    }

    /** The partitions staged for this plan: those not copied from the base. */
    public List<PlannedPartition> stagedPartitions() {
        return partitions.stream().filter(partition -> partition.basePartition() == null).toList();
    }

    /** This plan with {@code count} cross-partition duplicate ids recorded (and so a new index id). */
    public FinalizePlan withCrossDuplicateIds(long count) {
        return identified(new FinalizePlan(format, formatVersion, PENDING_ID, expectedPartitions, partitionCount, luceneVersion, spec,
                specFingerprint, inputFingerprint, base, partitions, count == 0 ? null : count));
    }

    /** Makes the plan for these manifests (any order); the caller has checked they belong together. */
    public static FinalizePlan create(List<PartitionManifest> manifests, Integer expectedPartitions, CountSource partitionCount) {
        return create(manifests, expectedPartitions, partitionCount, null, null);
    }

    /**
     * Makes the plan for these manifests appended to {@code base} (committed as {@code baseMetadata}),
     * or of a whole index when {@code base} is null; the caller has checked they belong together.
     */
    public static FinalizePlan create(List<PartitionManifest> manifests, Integer expectedPartitions, CountSource partitionCount,
                                      BaseIndex base, IndexMetadata baseMetadata) {
        if (manifests.isEmpty()) {
            throw new IllegalArgumentException("nothing to plan: no partition is staged");
        }
        if ((base == null) != (baseMetadata == null) || (base != null && !base.indexId().equals(baseMetadata.indexId()))) {
            throw new IllegalArgumentException("the base and its metadata must be given together, and agree");
        }
        // The base's partitions carry no statistics of their own: the base's commit records only
        // its totals, which the plan's base holds.
        List<PartitionManifest> sorted = new ArrayList<>(manifests);
        sorted.sort(Comparator.comparingLong(PartitionManifest::partition));
        List<PlannedPartition> partitions = new ArrayList<>();
        if (baseMetadata != null) {
            for (IndexMetadata.CommittedPartition partition : baseMetadata.partitions()) {
                partitions.add(new PlannedPartition(partition.n(), partition.partition(), partition.attempt(), partition.docCount(),
                        partition.files(), Map.of(), partition.n(), partition.duplicateIds()));
            }
        }
        for (PartitionManifest manifest : sorted) {
            partitions.add(new PlannedPartition(partitions.size(), manifest.partition(), manifest.attempt(), manifest.docCount(),
                    manifest.files(), manifest.fieldStats(), null, manifest.duplicateIds()));
        }
        PartitionManifest first = sorted.getFirst();
        return identified(new FinalizePlan(FORMAT, VERSION, PENDING_ID, expectedPartitions, partitionCount,
                first.luceneVersion(), first.spec(), first.specFingerprint(), first.input().fingerprint(), base, partitions, null));
    }

    /** {@code draft} with its index id: a hash of everything else, so equal plans have equal ids. */
    private static FinalizePlan identified(FinalizePlan draft) {
        ObjectNode tree = Json.MAPPER.valueToTree(draft);
        tree.remove("indexId");
        String indexId = Json.checksum(tree).substring("sha256:".length(), "sha256:".length() + 32);
        return new FinalizePlan(draft.format, draft.formatVersion, indexId, draft.expectedPartitions, draft.partitionCount,
                draft.luceneVersion, draft.spec, draft.specFingerprint, draft.inputFingerprint, draft.base, draft.partitions,
                draft.crossDuplicateIds);
    }

    public long docCount() {
        return partitions.stream().mapToLong(PlannedPartition::docCount).sum();
    }

    public long bytes() {
        return partitions.stream().flatMap(p -> p.files().stream()).mapToLong(FileEntry::size).sum();
    }

    public int fileCount() {
        return partitions.stream().mapToInt(p -> p.files().size()).sum();
    }

    /**
     * One planned partition: final number {@code n}, taken from {@code attempt} of staged
     * {@code partition}, or (when {@code basePartition} is set) the base's final partition
     * {@code basePartition}, which the base's commit says was built as {@code partition} by
     * {@code attempt}. {@code duplicateIds}: ids that occur more than once inside the partition,
     * kept with {@code --allow-duplicate-ids} (absent when none).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlannedPartition(int n, long partition, String attempt, long docCount, List<FileEntry> files,
                                   Map<String, FieldStats> fieldStats, Integer basePartition, Long duplicateIds) {
        public PlannedPartition {
            IndexLayout.checkPartitionNumber(n);
            IndexLayout.checkPartition(partition);
            IndexLayout.checkAttempt(attempt);
            files = List.copyOf(requireNonNull(files, "files is null"));
            fieldStats = fieldStats == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(fieldStats));
            if (basePartition != null) {
                IndexLayout.checkPartitionNumber(basePartition);
            }
            if (duplicateIds != null && duplicateIds < 1) {
                throw new IllegalArgumentException("duplicateIds is positive or absent: " + duplicateIds);
            }
        }

        public PlannedPartition(int n, long partition, String attempt, long docCount, List<FileEntry> files,
                                Map<String, FieldStats> fieldStats) {
            this(n, partition, attempt, docCount, files, fieldStats, null, null);
        }

        public boolean fromBase() {
            return basePartition != null;
        }

        /** Where the file is copied from: the base's final key for a base partition, else the staged key. */
        public String sourceKey(FileEntry file) {
            return fromBase() ? IndexLayout.finalFileKey(basePartition, file.name()) : IndexLayout.stagedFileKey(partition, attempt, file.name());
        }

        public String finalKey(FileEntry file) {
            return IndexLayout.finalFileKey(n, file.name());
        }
    }
}
