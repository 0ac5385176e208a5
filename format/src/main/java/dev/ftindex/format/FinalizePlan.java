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
 * @param partitions sorted by partition id and numbered densely from 0
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
        List<PlannedPartition> partitions) {

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
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < partitions.size(); i++) {
            PlannedPartition partition = partitions.get(i);
            if (partition.n() != i) {
                throw new IllegalArgumentException("partitions must be numbered densely from 0: found " + partition.n() + " at position " + i);
            }
            if (!ids.add(partition.partition())) {
                throw new IllegalArgumentException("partition " + partition.partition() + " appears twice");
            }
            if (i > 0 && partitions.get(i - 1).partition() >= partition.partition()) {
                throw new IllegalArgumentException("partitions must be sorted by partition id");
            }
        }
    }

    /** Makes the plan for these manifests (any order); the caller has checked they belong together. */
    public static FinalizePlan create(List<PartitionManifest> manifests, Integer expectedPartitions, CountSource partitionCount) {
        if (manifests.isEmpty()) {
            throw new IllegalArgumentException("nothing to plan: no partition is staged");
        }
        List<PartitionManifest> sorted = new ArrayList<>(manifests);
        sorted.sort(Comparator.comparingLong(PartitionManifest::partition));
        List<PlannedPartition> partitions = new ArrayList<>();
        for (int n = 0; n < sorted.size(); n++) {
            PartitionManifest manifest = sorted.get(n);
            partitions.add(new PlannedPartition(n, manifest.partition(), manifest.attempt(), manifest.docCount(),
                    manifest.files(), manifest.fieldStats()));
        }
        PartitionManifest first = sorted.getFirst();
        FinalizePlan draft = new FinalizePlan(FORMAT, VERSION, PENDING_ID, expectedPartitions, partitionCount,
                first.luceneVersion(), first.spec(), first.specFingerprint(), first.input().fingerprint(), partitions);
        ObjectNode tree = Json.MAPPER.valueToTree(draft);
        tree.remove("indexId");
        String indexId = Json.checksum(tree).substring("sha256:".length(), "sha256:".length() + 32);
        return new FinalizePlan(FORMAT, VERSION, indexId, expectedPartitions, partitionCount,
                draft.luceneVersion(), draft.spec(), draft.specFingerprint(), draft.inputFingerprint(), partitions);
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
     * One planned partition: final number {@code n}, taken from {@code attempt} of
     * {@code partition}.
     */
    public record PlannedPartition(int n, long partition, String attempt, long docCount, List<FileEntry> files,
                                   Map<String, FieldStats> fieldStats) {
        public PlannedPartition {
            IndexLayout.checkPartitionNumber(n);
            IndexLayout.checkPartition(partition);
            IndexLayout.checkAttempt(attempt);
            files = List.copyOf(requireNonNull(files, "files is null"));
            fieldStats = fieldStats == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(fieldStats));
        }

        public String sourceKey(FileEntry file) {
            return IndexLayout.stagedFileKey(partition, attempt, file.name());
        }

        public String finalKey(FileEntry file) {
            return IndexLayout.finalFileKey(n, file.name());
        }
    }
}
