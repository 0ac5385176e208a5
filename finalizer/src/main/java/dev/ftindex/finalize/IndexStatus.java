package dev.ftindex.finalize;

import dev.ftindex.format.FinalizePlan;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.storage.ObjectInfo;
import dev.ftindex.storage.ObjectNotFoundException;
import dev.ftindex.storage.ObjectStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an index root holds, for people and orchestrators: committed or not, and before the
 * commit, what is staged, what is missing, whether a plan is frozen, and which attempts are
 * orphans (files no manifest refers to: failed, losing or zombie attempts).
 */
public final class IndexStatus {
    private IndexStatus() {}

    /**
     * @param committed whether {@code metadata.lance} exists (and is valid)
     * @param partitions committed partitions, or staged ones before the commit
     * @param expectedPartitions the count the flag, the manifests or the plan state, if any
     * @param expectedFrom where that count came from: {@code flag}, {@code manifests}, {@code plan}
     * @param missing partition ids in {@code 0..expected-1} that are not staged
     * @param plan the frozen plan, if one exists
     * @param unplannedPartitions staged partitions the frozen plan does not include
     * @param orphanAttempts staged files that no manifest refers to, by attempt
     * @param stagingObjects objects under {@code staging/} (after a commit: what cleanup left)
     */
    public record Report(
            String root,
            boolean committed,
            String indexId,
            int partitions,
            long docs,
            long bytes,
            List<StagedPartition> staged,
            Integer expectedPartitions,
            String expectedFrom,
            List<Long> missing,
            Plan plan,
            List<Long> unplannedPartitions,
            List<Orphan> orphanAttempts,
            int stagingObjects) {}

    public record StagedPartition(long partition, String attempt, long docs, long bytes, Integer expectedPartitions, String createdAt) {}

    public record Plan(String indexId, int partitions, Integer expectedPartitions) {}

    public record Orphan(long partition, String attempt, int files, long bytes, String lastModified) {}

    public static Report inspect(ObjectStore store, Optional<Integer> expectedFlag) {
        Optional<IndexMetadata> metadata = StoredJson.readIfExists(store, IndexLayout.METADATA, IndexMetadata.class);
        List<ObjectInfo> staging = store.list(IndexLayout.STAGING);
        if (metadata.isPresent()) {
            IndexMetadata committed = metadata.get();
            return new Report(store.location(), true, committed.indexId(), committed.totals().partitions(), committed.totals().docs(),
                    committed.totals().bytes(), List.of(), committed.totals().partitions(), "committed", List.of(), null, List.of(),
                    List.of(), staging.size());
        }

        List<StagedPartition> staged = new ArrayList<>();
        Set<String> referenced = new HashSet<>();
        for (ObjectInfo object : staging) {
            if (IndexLayout.manifestPartition(object.key()).isEmpty()) {
                continue;
            }
            PartitionManifest manifest;
            try {
                manifest = StoredJson.read(store, object.key(), PartitionManifest.class);
            } catch (ObjectNotFoundException vanished) {
                continue;
            }
            staged.add(new StagedPartition(manifest.partition(), manifest.attempt(), manifest.docCount(), manifest.bytes(),
                    manifest.expectedPartitions(), manifest.createdAt()));
            referenced.add(manifest.partition() + "/" + manifest.attempt());
        }
        Optional<FinalizePlan> frozen = StoredJson.readIfExists(store, IndexLayout.PLAN, FinalizePlan.class);
        frozen.ifPresent(plan -> plan.partitions().forEach(p -> referenced.add(p.partition() + "/" + p.attempt())));

        Map<String, Orphan> orphans = new TreeMap<>();
        for (ObjectInfo object : staging) {
            IndexLayout.stagedFile(object.key()).ifPresent(file -> {
                String attempt = file.partition() + "/" + file.attempt();
                if (!referenced.contains(attempt)) {
                    orphans.merge(attempt, new Orphan(file.partition(), file.attempt(), 1, object.size(), object.lastModified().toString()),
                            (a, b) -> new Orphan(a.partition(), a.attempt(), a.files() + 1, a.bytes() + b.bytes(),
                                    a.lastModified().compareTo(b.lastModified()) >= 0 ? a.lastModified() : b.lastModified()));
                }
            });
        }

        Integer expected = null;
        String from = null;
        Set<Integer> stated = new TreeSet<>();
        staged.stream().map(StagedPartition::expectedPartitions).filter(java.util.Objects::nonNull).forEach(stated::add);
        if (expectedFlag.isPresent()) {
            expected = expectedFlag.get();
            from = "flag";
        } else if (stated.size() == 1) {
            expected = stated.iterator().next();
            from = "manifests";
        } else if (frozen.isPresent() && frozen.get().expectedPartitions() != null) {
            expected = frozen.get().expectedPartitions();
            from = "plan";
        } else if (stated.size() > 1) {
            from = "manifests disagree: " + stated;
        }
        List<Long> missing = new ArrayList<>();
        Set<Long> present = new TreeSet<>();
        staged.forEach(p -> present.add(p.partition()));
        final Integer count = expected;
        // Missing ids are only meaningful for workers numbered 0..count-1 (not for sparse ids).
        if (count != null && present.stream().allMatch(p -> p < count)) {
            for (long p = 0; p < count; p++) {
                if (!present.contains(p)) {
                    missing.add(p);
                }
            }
        }
        List<Long> unplanned = new ArrayList<>();
        Plan plan = null;
        if (frozen.isPresent()) {
            Set<Long> planned = new HashSet<>();
            frozen.get().partitions().forEach(p -> planned.add(p.partition()));
            present.stream().filter(p -> !planned.contains(p)).forEach(unplanned::add);
            plan = new Plan(frozen.get().indexId(), frozen.get().partitions().size(), frozen.get().expectedPartitions());
        }
        staged.sort(java.util.Comparator.comparingLong(StagedPartition::partition));
        return new Report(store.location(), false, null, staged.size(), staged.stream().mapToLong(StagedPartition::docs).sum(),
                staged.stream().mapToLong(StagedPartition::bytes).sum(), staged, expected, from, missing, plan, unplanned,
                List.copyOf(orphans.values()), staging.size());
    }
}
