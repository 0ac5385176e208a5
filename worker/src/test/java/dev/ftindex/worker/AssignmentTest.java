package dev.ftindex.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.worker.Assignment.Split;
import dev.ftindex.worker.Assignment.SplitRules;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AssignmentTest {
    /** The files here do not exist: their names say whether they are compressed. */
    private static final Assignment.Splittable BY_NAME = file -> !file.namedCompressed();

    private static InputFile file(String name, long size) {
        return new InputFile.Local(Path.of("/data", name), size);
    }

    @Test
    void everyByteOfEveryFileIsAssignedExactlyOnce() {
        List<InputFile> files = List.of(file("a.jsonl", 10_000), file("b.jsonl.gz", 5_000), file("c.jsonl", 1),
                file("d.jsonl", 0), file("e.jsonl", 777_777));
        for (int partitions : new int[] {1, 2, 3, 8, 16}) {
            List<List<Split>> shares = Assignment.assign(files, partitions, new SplitRules(1_000, 50_000), BY_NAME);
            assertThat(shares).hasSize(partitions);
            Map<String, List<Split>> byFile = new TreeMap<>();
            shares.stream().flatMap(List::stream).forEach(split -> byFile.computeIfAbsent(split.file().name(), k -> new ArrayList<>()).add(split));
            assertThat(byFile).hasSize(files.size());
            for (InputFile file : files) {
                List<Split> splits = new ArrayList<>(byFile.get(file.name()));
                splits.sort(Comparator.comparingLong(Split::start));
                long next = 0;
                for (Split split : splits) {
                    assertThat(split.start()).as("%s with %d partitions", file.name(), partitions).isEqualTo(next);
                    next = split.end();
                }
                assertThat(next).isEqualTo(file.size());
                if (file.namedCompressed()) {
                    assertThat(splits).hasSize(1);
                }
            }
        }
    }

    @Test
    void oneBigFileSpreadsOverAllWorkers() {
        List<List<Split>> shares = Assignment.assign(List.of(file("big.jsonl", 80L << 20)), 8, SplitRules.DEFAULT, BY_NAME);

        assertThat(shares).allSatisfy(share -> assertThat(share).hasSize(1));
        assertThat(shares).allSatisfy(share -> assertThat(share.getFirst().length()).isEqualTo(10L << 20));
    }

    @Test
    void theAssignmentIsDeterministicAndTheFingerprintSeesChanges() {
        List<InputFile> files = List.of(file("x.jsonl", 123_456), file("y.jsonl", 654_321), file("z.jsonl.gz", 99));
        SplitRules rules = new SplitRules(10_000, 100_000);

        assertThat(Assignment.assign(files, 4, rules, BY_NAME)).isEqualTo(Assignment.assign(List.copyOf(files), 4, rules, BY_NAME));
        String fingerprint = Assignment.fingerprint(files, 4, rules);
        assertThat(Assignment.fingerprint(files, 4, rules)).isEqualTo(fingerprint);
        assertThat(Assignment.fingerprint(files, 5, rules)).isNotEqualTo(fingerprint);
        assertThat(Assignment.fingerprint(List.of(files.get(0), files.get(1), file("z.jsonl.gz", 100)), 4, rules)).isNotEqualTo(fingerprint);
        assertThat(Assignment.fingerprint(files, 4, new SplitRules(10_000, 200_000))).isNotEqualTo(fingerprint);
    }

    @Test
    void loadIsBalancedAcrossPartitions() {
        List<InputFile> files = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            files.add(file(String.format("f%03d.jsonl.gz", i), 1_000 + i * 10));
        }
        List<List<Split>> shares = Assignment.assign(files, 7, SplitRules.DEFAULT, BY_NAME);
        long[] loads = shares.stream().mapToLong(share -> share.stream().mapToLong(Split::length).sum()).toArray();
        long max = java.util.Arrays.stream(loads).max().orElseThrow();
        long min = java.util.Arrays.stream(loads).min().orElseThrow();

        assertThat(max - min).isLessThanOrEqualTo(2_000);
    }
}
