package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The partition count a commit requires, and where it came from. Decided in one place
 * ({@link #decide}) for the finalizer and for {@code status}, so that what status promises is
 * what finalize does.
 */
public sealed interface PartitionCount {
    /** Where the count came from. */
    CountSource source();

    /** The count, when there is one. */
    Optional<Integer> count();

    /** A count that the staged partitions must meet exactly. */
    record Required(int value, CountSource source) implements PartitionCount {
        public Required {
            requireNonNull(source, "source is null");
            if (value < 1) {
                throw new IllegalArgumentException("a partition count is positive: " + value);
            }
            if (source == CountSource.STAGED) {
                throw new IllegalArgumentException("a required count comes from the flag, the manifests or the plan");
            }
        }

        @Override
        public Optional<Integer> count() {
            return Optional.of(value);
        }
    }

    /** Nothing states a count: whatever is staged is committed. */
    record AsStaged() implements PartitionCount {
        @Override
        public CountSource source() {
            return CountSource.STAGED;
        }

        @Override
        public Optional<Integer> count() {
            return Optional.empty();
        }
    }

    /** The manifests state different counts and no flag decides: a conflict. */
    record Disputed(Map<Integer, List<Long>> stated) implements PartitionCount {
        public Disputed {
            stated = Map.copyOf(requireNonNull(stated, "stated is null"));
        }

        @Override
        public CountSource source() {
            return CountSource.MANIFESTS;
        }

        @Override
        public Optional<Integer> count() {
            return Optional.empty();
        }

        /** "partitions [0, 1] say 3; partitions [2] say 4". */
        public String describe() {
            List<String> parts = new ArrayList<>();
            new TreeMap<>(stated).forEach((count, partitions) -> parts.add("partitions " + partitions + " say " + count));
            return String.join("; ", parts);
        }
    }

    /**
     * The count for a root without a frozen plan: the flag, else the count the manifests agree
     * on, else none.
     */
    static PartitionCount decide(Optional<Integer> flag, Collection<PartitionManifest> manifests) {
        if (flag.isPresent()) {
            return new Required(flag.get(), CountSource.FLAG);
        }
        Map<Integer, List<Long>> stated = new TreeMap<>();
        for (PartitionManifest manifest : manifests) {
            if (manifest.expectedPartitions() != null) {
                stated.computeIfAbsent(manifest.expectedPartitions(), count -> new ArrayList<>()).add(manifest.partition());
            }
        }
        stated.values().forEach(partitions -> partitions.sort(null));
        if (stated.size() > 1) {
            return new Disputed(stated);
        }
        if (stated.size() == 1) {
            return new Required(stated.keySet().iterator().next(), CountSource.MANIFESTS);
        }
        return new AsStaged();
    }
}
