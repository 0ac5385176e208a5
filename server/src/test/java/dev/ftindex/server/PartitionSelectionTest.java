package dev.ftindex.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Which partitions {@code --partitions} and {@code --shard} open, for every partition count an append may bring. */
class PartitionSelectionTest {
    @Test
    void shardsOfEveryCountAreDisjointContiguousAndCoverEveryPartition() {
        for (int shards = 1; shards <= 7; shards++) {
            for (int partitions = 0; partitions <= 40; partitions++) {
                SortedSet<Integer> covered = new TreeSet<>();
                int smallest = Integer.MAX_VALUE;
                int largest = 0;
                for (int i = 0; i < shards; i++) {
                    SortedSet<Integer> held = PartitionSelection.shard(i + "/" + shards).resolve(partitions);
                    if (!held.isEmpty()) {
                        assertThat(held.last() - held.first() + 1).as("contiguous").isEqualTo(held.size());
                    }
                    for (int n : held) {
                        assertThat(covered.add(n)).as("partition %d held by two shards of %d", n, shards).isTrue();
                    }
                    smallest = Math.min(smallest, held.size());
                    largest = Math.max(largest, held.size());
                }
                assertThat(covered).hasSize(partitions);
                assertThat(largest - smallest).as("%d partitions over %d shards", partitions, shards).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void anOrdinalPastTheCountWrapsAroundToAReplica() {
        assertThat(PartitionSelection.shard("4/3").resolve(9)).containsExactly(3, 4, 5);
        assertThat(PartitionSelection.shard("1/3").resolve(9)).containsExactly(3, 4, 5);
    }

    @Test
    void rangesAreInclusiveAndStopAtTheGenerationsLastPartition() {
        PartitionSelection selection = PartitionSelection.ranges("0-2, 7,9-12");
        assertThat(selection.resolve(11)).containsExactly(0, 1, 2, 7, 9, 10);
        assertThat(selection.whole()).isFalse();
        assertThat(PartitionSelection.all().resolve(3)).containsExactly(0, 1, 2);
        assertThat(PartitionSelection.all().whole()).isTrue();
    }

    @Test
    void badSelectionsNameWhatIsWrong() {
        assertThatThrownBy(() -> PartitionSelection.ranges("0-2,x")).hasMessageContaining("'x'");
        assertThatThrownBy(() -> PartitionSelection.ranges("5-2")).hasMessageContaining("'5-2'");
        assertThatThrownBy(() -> PartitionSelection.shard("3")).hasMessageContaining("i/N");
        assertThatThrownBy(() -> PartitionSelection.shard("1/0")).hasMessageContaining("1/0");
        assertThatThrownBy(() -> PartitionSelection.shard("-1/3")).hasMessageContaining("-1/3");
    }
}
