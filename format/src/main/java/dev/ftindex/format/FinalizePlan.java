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
 * @param update for an update of the base (upserts, deletes): what it deletes; absent for a whole
 *     index and a plain append
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
        Long crossDuplicateIds,
        Update update) {

    /**
     * What an update deletes of its base: with {@code upsert}, the base's documents whose ids the
     * new input holds; the ids of a delete list ({@code deletes}: a hash of its sorted distinct
     * ids); {@code deleted} documents in all, and {@code unknownDeletes} ids of the list the base
     * does not hold.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Update(boolean upsert, String deletes, long deleted, long unknownDeletes) {
        public Update {
            if (deleted < 0 || unknownDeletes < 0) {
                throw new IllegalArgumentException("negative counts in an update");
            }
        }
    }

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
        if (update != null && base == null) {
            throw new IllegalArgumentException("an update needs a base");
        }
    }

    /** The plan of a whole index (no base). */
    public FinalizePlan(String format, int formatVersion, String indexId, Integer expectedPartitions, CountSource partitionCount,
                        String luceneVersion, IndexSpec spec, String specFingerprint, String inputFingerprint,
                        List<PlannedPartition> partitions) {
        this(format, formatVersion, indexId, expectedPartitions, partitionCount, luceneVersion, spec, specFingerprint, inputFingerprint,
                null, partitions, null, null);
    }

    /** The partitions staged for this plan: those not copied from the base. */
    public List<PlannedPartition> stagedPartitions() {
        return partitions.stream().filter(partition -> partition.basePartition() == null).toList();
    }

    /** This plan with {@code count} cross-partition duplicate ids recorded (and so a new index id). */
    public FinalizePlan withCrossDuplicateIds(long count) {
        return identified(new FinalizePlan(format, formatVersion, PENDING_ID, expectedPartitions, partitionCount, luceneVersion, spec,
                specFingerprint, inputFingerprint, base, partitions, count == 0 ? null : count, update));
    }

    /**
     * This plan with {@code deletions} applied to the base's partitions (by base partition number):
     * each such partition's files are the base's, less the ones its deletion dropped, with the ones
     * it wrote; {@code update} records what the update deletes in all. A new index id.
     */
    public FinalizePlan withUpdate(Map<Integer, DeletionManifest> deletions, Update update) {
        requireNonNull(update, "update is null");
        List<PlannedPartition> updated = new ArrayList<>(partitions.size());
        for (PlannedPartition partition : partitions) {
            DeletionManifest deletion = partition.fromBase() ? deletions.get(partition.basePartition()) : null;
            if (deletion == null) {
                updated.add(partition);
                continue;
            }
            Set<String> replaced = new HashSet<>(deletion.dropped());
            deletion.files().forEach(file -> replaced.add(file.name()));
            List<FileEntry> files = new ArrayList<>();
            partition.files().stream().filter(file -> !replaced.contains(file.name())).forEach(files::add);
            files.addAll(deletion.files());
            files.sort(Comparator.comparing(FileEntry::name));
            updated.add(new PlannedPartition(partition.n(), partition.partition(), partition.attempt(), partition.docCount(), files,
                    partition.fieldStats(), partition.basePartition(), partition.duplicateIds(), deletion.deletedDocs(),
                    new Deletion(deletion.attempt(), deletion.deleted(), deletion.files().stream().map(FileEntry::name).sorted().toList())));
        }
        return identified(new FinalizePlan(format, formatVersion, PENDING_ID, expectedPartitions, partitionCount, luceneVersion, spec,
                specFingerprint, inputFingerprint, base, updated, crossDuplicateIds, update));
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
        if (manifests.isEmpty() && baseMetadata == null) {
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
                        partition.files(), Map.of(), partition.n(), partition.duplicateIds(), partition.deletedDocs(), null));
            }
        }
        for (PartitionManifest manifest : sorted) {
            partitions.add(new PlannedPartition(partitions.size(), manifest.partition(), manifest.attempt(), manifest.docCount(),
                    manifest.files(), manifest.fieldStats(), null, manifest.duplicateIds(), manifest.deletedDocs(), null));
        }
        if (sorted.isEmpty()) {
            // An update that only deletes: the base's partitions alone, as the base committed them.
            return identified(new FinalizePlan(FORMAT, VERSION, PENDING_ID, expectedPartitions, partitionCount, baseMetadata.luceneVersion(),
                    baseMetadata.spec(), baseMetadata.specFingerprint(), null, base, partitions, null, null));
        }
        PartitionManifest first = sorted.getFirst();
        return identified(new FinalizePlan(FORMAT, VERSION, PENDING_ID, expectedPartitions, partitionCount,
                first.luceneVersion(), first.spec(), first.specFingerprint(), first.input().fingerprint(), base, partitions, null, null));
    }

    /** {@code draft} with its index id: a hash of everything else, so equal plans have equal ids. */
    private static FinalizePlan identified(FinalizePlan draft) {
        ObjectNode tree = Json.MAPPER.valueToTree(draft);
        tree.remove("indexId");
        String indexId = Json.checksum(tree).substring("sha256:".length(), "sha256:".length() + 32);
        return new FinalizePlan(draft.format, draft.formatVersion, indexId, draft.expectedPartitions, draft.partitionCount,
                draft.luceneVersion, draft.spec, draft.specFingerprint, draft.inputFingerprint, draft.base, draft.partitions,
                draft.crossDuplicateIds, draft.update);
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
     * kept with {@code --allow-duplicate-ids} (absent when none). {@code deletedDocs}: documents
     * deleted in the partition (absent when none). {@code deletion}: for a base partition an update
     * deletes documents of, the staged deletion whose files replace some of the base's.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlannedPartition(int n, long partition, String attempt, long docCount, List<FileEntry> files,
                                   Map<String, FieldStats> fieldStats, Integer basePartition, Long duplicateIds, Long deletedDocs,
                                   Deletion deletion) {
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
            if (deletedDocs != null && (deletedDocs < 1 || deletedDocs > docCount)) {
                throw new IllegalArgumentException("deletedDocs is 1 to the document count or absent: " + deletedDocs);
            }
            if (deletion != null && basePartition == null) {
                throw new IllegalArgumentException("only a base partition has a deletion");
            }
        }

        public PlannedPartition(int n, long partition, String attempt, long docCount, List<FileEntry> files,
                                Map<String, FieldStats> fieldStats, Integer basePartition, Long duplicateIds) {
            this(n, partition, attempt, docCount, files, fieldStats, basePartition, duplicateIds, null, null);
        }

        public PlannedPartition(int n, long partition, String attempt, long docCount, List<FileEntry> files,
                                Map<String, FieldStats> fieldStats) {
            this(n, partition, attempt, docCount, files, fieldStats, null, null, null, null);
        }

        public boolean fromBase() {
            return basePartition != null;
        }

        /**
         * Where the file is copied from: a file the partition's deletion wrote from that deletion's
         * attempt; another file of a base partition from the base's final key; else the staged key.
         */
        public String sourceKey(FileEntry file) {
            if (deletion != null && deletion.files().contains(file.name())) {
                return IndexLayout.deletionFileKey(basePartition, deletion.attempt(), file.name());
            }
            return fromBase() ? IndexLayout.finalFileKey(basePartition, file.name()) : IndexLayout.stagedFileKey(partition, attempt, file.name());
        }

        /** Whether the file comes from the base's files (else from staging). */
        public boolean fromBaseFiles(FileEntry file) {
            return fromBase() && (deletion == null || !deletion.files().contains(file.name()));
        }

        public String finalKey(FileEntry file) {
            return IndexLayout.finalFileKey(n, file.name());
        }
    }

    /**
     * The deletion of documents of one base partition by an update ({@link DeletionManifest}):
     * which attempt staged it, how many documents it deletes, and the names of the files it wrote.
     */
    public record Deletion(String attempt, long deleted, List<String> files) {
        public Deletion {
            IndexLayout.checkAttempt(attempt);
            files = List.copyOf(requireNonNull(files, "files is null"));
            if (deleted < 1) {
                throw new IllegalArgumentException("a deletion deletes at least one document: " + deleted);
            }
        }
    }
}
