package dev.ftindex.finalizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.FaultInjectingObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.objectstore.testing.InjectedCrash;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InMemoryFinalizerTest extends FinalizerProtocolTest {
    @Override
    ObjectStore createStore() {
        return InMemoryObjectStore.create();
    }

    /** In memory only: the other stores add nothing to a protocol test but time. */
    @Test
    void aCrashAtEveryMutatingCallOfACommitWithAllowedDuplicatesConverges() throws IOException {
        ObjectStore overlapping = empty();
        stageOverlapping(overlapping);
        ObjectStore undisturbed = copyOf(overlapping, empty());
        FinalizerConfig allow = FinalizerConfig.defaults().withAllowDuplicateIds(true).withConcurrency(1);
        finalizer(undisturbed, allow).run();
        Map<String, byte[]> expected = committedState(undisturbed);
        FaultInjectingObjectStore counting = FaultInjectingObjectStore.wrap(copyOf(overlapping, empty())).build();
        finalizer(counting, allow).run();

        for (int k = 1; k <= counting.mutatingCalls(); k++) {
            for (boolean after : new boolean[] {false, true}) {
                String what = "crash " + (after ? "after" : "before") + " mutating call " + k;
                ObjectStore store = copyOf(overlapping, empty());
                FaultInjectingObjectStore.Builder faults = FaultInjectingObjectStore.wrap(store);
                FaultInjectingObjectStore crashing = (after ? faults.crashAfter(k) : faults.crashBefore(k)).build();
                assertThatThrownBy(() -> finalizer(crashing, allow).run()).as(what).isInstanceOf(InjectedCrash.class);

                finalizer(store, allow).run();

                Map<String, byte[]> state = committedState(store);
                assertThat(state.keySet()).as(what).isEqualTo(expected.keySet());
                state.forEach((key, bytes) -> assertThat(bytes).as(what + ": " + key).isEqualTo(expected.get(key)));
            }
        }
    }
}
