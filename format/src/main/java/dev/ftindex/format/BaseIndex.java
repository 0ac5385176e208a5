package dev.ftindex.format;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The committed index an append builds on ({@code --base}): a new generation holds every partition
 * of it unchanged, then the partitions built from the new input. Workers record it in their
 * manifests, the finalizer in its plan and in {@code metadata.lance}; the index id decides (two
 * builds of one generation id are two different bases), the rest is for people. Where the base
 * lies is not recorded: finalizers that reach it by different URLs make the same plan.
 *
 * @param indexId the base's index id, from its {@code metadata.lance}
 * @param generation the base's generation id, when it is a generation of the same collection
 * @param partitions how many partitions the base has (the new ones are numbered after them)
 * @param fieldStats the base's field statistics, summed over its partitions: in a plan, so that
 *     the commit's totals come from the plan alone; empty in a worker's manifest
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record BaseIndex(String indexId, String generation, int partitions, Map<String, FieldStats> fieldStats) {
    public BaseIndex {
        fieldStats = fieldStats == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(fieldStats));
        IndexLayout.checkIndexId(indexId);
        if (generation != null) {
            CollectionLayout.checkGeneration(generation);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("a base has at least one partition: " + partitions);
        }
    }

    /** The base committed as {@code metadata}, as a plan records it. */
    public static BaseIndex of(IndexMetadata metadata, String generation) {
        return new BaseIndex(metadata.indexId(), generation, metadata.partitions().size(), metadata.fieldStats());
    }

    /** As a worker's manifest records it: without the statistics. */
    public BaseIndex withoutStats() {
        return new BaseIndex(indexId, generation, partitions, Map.of());
    }

    /** "generation g1 (index 3f2a…)", or "index 3f2a…" for a base given by its location. */
    public String describe() {
        return generation != null ? "generation " + generation + " (index " + indexId + ")" : "index " + indexId;
    }
}
