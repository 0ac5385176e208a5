package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which bytes of the input each partition reads. A pure function of (input files with their
 * sizes, partition count, split rules): every worker computes the whole assignment and takes its
 * own share, so every record lands in exactly one partition without any coordination.
 *
 * <p>Compressed files (gzip, zstd: recognised by their first bytes, or by a {@code .gz} or
 * {@code .zst} name) cannot be entered in the middle and are read whole. Plain files are cut into
 * byte ranges of about {@code total / partitions} (bounded by the split rules), so one huge file
 * still spreads over all workers; a record belongs to the range holding its first byte
 * ({@link LineReader}). Only files larger than one range are looked at, with one small read of
 * their first bytes. Ranges are dealt largest first to the least loaded partition.
 */
public final class Assignment {
    private Assignment() {}

    /** Bounds on the size of byte ranges cut from uncompressed files. */
    public record SplitRules(long minSplitBytes, long maxSplitBytes) {
        public static final SplitRules DEFAULT = new SplitRules(8L << 20, 256L << 20);

        public SplitRules {
            if (minSplitBytes < 1 || maxSplitBytes < minSplitBytes) {
                throw new IllegalArgumentException("invalid split sizes: " + minSplitBytes + ".." + maxSplitBytes);
            }
        }
    }

    /** Bytes {@code [start, end)} of one file. */
    public record Split(InputFile file, long start, long end) {
        public Split {
            requireNonNull(file, "file is null");
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("invalid split [" + start + ", " + end + ") of " + file.name());
            }
        }

        public long length() {
            return end - start;
        }

        /** Whether the split starts at the file's first byte (line numbers are then exact). */
        public boolean fromStart() {
            return start == 0;
        }
    }

    /** The share of partition {@code index} of {@code partitions}, in reading order. */
    public static List<Split> share(List<InputFile> files, int index, int partitions, SplitRules rules) {
        if (index < 0 || index >= partitions) {
            throw new IllegalArgumentException("partition " + index + " is outside 0.." + (partitions - 1));
        }
        return assign(files, partitions, rules).get(index);
    }

    /** Every partition's share. */
    public static List<List<Split>> assign(List<InputFile> files, int partitions, SplitRules rules) {
        return assign(files, partitions, rules, InputFile::splittable);
    }

    /** Tells whether a file larger than one range may be cut ({@link InputFile#splittable()}). */
    @FunctionalInterface
    interface Splittable {
        boolean test(InputFile file) throws IOException;
    }

    /** Every partition's share, asking {@code splittable} about files large enough to cut. */
    static List<List<Split>> assign(List<InputFile> files, int partitions, SplitRules rules, Splittable splittable) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partition count must be positive: " + partitions);
        }
        List<Split> splits = splits(files, partitions, rules, splittable);
        splits.sort(Comparator.comparingLong(Split::length).reversed()
                .thenComparing(split -> split.file().name())
                .thenComparingLong(Split::start));
        List<List<Split>> shares = new ArrayList<>();
        long[] load = new long[partitions];
        for (int i = 0; i < partitions; i++) {
            shares.add(new ArrayList<>());
        }
        for (Split split : splits) {
            int lightest = 0;
            for (int i = 1; i < partitions; i++) {
                if (load[i] < load[lightest]) {
                    lightest = i;
                }
            }
            shares.get(lightest).add(split);
            // An empty file still costs a little, so that many of them spread out too.
            load[lightest] += Math.max(1, split.length());
        }
        for (List<Split> share : shares) {
            share.sort(Comparator.comparing((Split split) -> split.file().name()).thenComparingLong(Split::start));
        }
        return shares;
    }

    static List<Split> splits(List<InputFile> files, int partitions, SplitRules rules, Splittable splittable) {
        long uncompressed = files.stream().filter(file -> !file.namedCompressed()).mapToLong(InputFile::size).sum();
        long target = Math.max(rules.minSplitBytes(), Math.min(rules.maxSplitBytes(), ceilDiv(uncompressed, partitions)));
        List<Split> splits = new ArrayList<>();
        for (InputFile file : files) {
            if (file.size() <= target || !splittable(file, splittable)) {
                splits.add(new Split(file, 0, file.size()));
                continue;
            }
            long pieces = ceilDiv(file.size(), target);
            long piece = ceilDiv(file.size(), pieces);
            for (long start = 0; start < file.size(); start += piece) {
                splits.add(new Split(file, start, Math.min(file.size(), start + piece)));
            }
        }
        return splits;
    }

    /**
     * Identifies the whole assignment: the files, their sizes, the partition count and the split
     * rules. Workers of one build must agree on it, or records could be lost or doubled.
     */
    public static String fingerprint(List<InputFile> files, int partitions, SplitRules rules) {
        StringBuilder text = new StringBuilder("partitions=").append(partitions)
                .append(" min=").append(rules.minSplitBytes()).append(" max=").append(rules.maxSplitBytes()).append('\n');
        for (InputFile file : files) {
            text.append(file.name()).append('\t').append(file.size()).append('\n');
        }
        return "sha256:" + Json.sha256(text.toString());
    }

    private static boolean splittable(InputFile file, Splittable splittable) {
        try {
            return splittable.test(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the first bytes of " + file.name() + ": " + e.getMessage(), e);
        }
    }

    private static long ceilDiv(long a, long b) {
        return b == 0 ? 0 : (a + b - 1) / b;
    }
}
