package dev.ftindex.server;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which partitions of each generation a server opens: all of them (a whole server), fixed ranges
 * ({@code serve --partitions 0-2,5}), or shard {@code i} of {@code n} ({@code serve --shard 1/3}),
 * whose range is computed anew for each generation, since an append changes the partition count.
 * Shard {@code i} of {@code n} over {@code p} partitions holds {@code [i*p/n, (i+1)*p/n)}: contiguous,
 * disjoint, covering every partition, sizes differing by at most one.
 */
public sealed interface PartitionSelection {
    /** The partitions of a generation with {@code partitions} of them this server opens, ascending. */
    SortedSet<Integer> resolve(int partitions);

    /** Whether every partition is opened: the server answers {@code /search} itself. */
    default boolean whole() {
        return this instanceof All;
    }

    /** Every partition. */
    record All() implements PartitionSelection {
        @Override
        public SortedSet<Integer> resolve(int partitions) {
            SortedSet<Integer> all = new TreeSet<>();
            for (int n = 0; n < partitions; n++) {
                all.add(n);
            }
            return all;
        }

        @Override
        public String toString() {
            return "all";
        }
    }

    /** Inclusive ranges of partition numbers; numbers past a generation's last partition are not in it. */
    record Ranges(List<int[]> ranges, String text) implements PartitionSelection {
        @Override
        public SortedSet<Integer> resolve(int partitions) {
            SortedSet<Integer> held = new TreeSet<>();
            for (int[] range : ranges) {
                for (int n = range[0]; n <= range[1] && n < partitions; n++) {
                    held.add(n);
                }
            }
            return held;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** Shard {@code index} (from 0) of {@code count}. */
    record Shard(int index, int count) implements PartitionSelection {
        public Shard {
            if (count < 1 || index < 0 || index >= count) {
                throw new IllegalArgumentException("--shard is i/N with 0 <= i < N, not " + index + "/" + count);
            }
        }

        @Override
        public SortedSet<Integer> resolve(int partitions) {
            SortedSet<Integer> held = new TreeSet<>();
            for (long n = (long) index * partitions / count; n < (long) (index + 1) * partitions / count; n++) {
                held.add((int) n);
            }
            return held;
        }

        @Override
        public String toString() {
            return index + "/" + count;
        }
    }

    public static PartitionSelection all() {
        return new All();
    }

    /**
     * Parses {@code --partitions}: comma-separated numbers and inclusive ranges, {@code 0-499} or {@code 0-2,7}.
     *
     * @throws IllegalArgumentException naming the part that is not a number or a range
     */
    public static PartitionSelection ranges(String text) {
        List<int[]> ranges = new ArrayList<>();
        for (String part : text.split(",")) {
            String range = part.strip();
            try {
                int dash = range.indexOf('-', 1);
                int first = Integer.parseInt((dash < 0 ? range : range.substring(0, dash)).strip());
                int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1).strip());
                if (first < 0 || last < first) {
                    throw new NumberFormatException();
                }
                ranges.add(new int[] {first, last});
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--partitions takes partition numbers and ranges such as 0-499 or 0-2,7; '" + range
                        + "' is neither");
            }
        }
        return new Ranges(List.copyOf(ranges), text.strip());
    }

    /**
     * Parses {@code --shard i/N}; an {@code i} of {@code N} or more is shard {@code i mod N}, so the
     * ordinals 0 to 2N-1 of a StatefulSet's pods make two replicas of every shard.
     */
    public static PartitionSelection shard(String text) {
        String[] parts = text.strip().split("/");
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            int index = Integer.parseInt(parts[0].strip());
            int count = Integer.parseInt(parts[1].strip());
            return new Shard(count > 0 && index >= 0 ? index % count : index, count);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--shard takes i/N (shard i of N, from 0), such as 1/3, not '" + text + "'");
        }
    }
}
