package dev.ftindex.objectstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.objectstore.testing.FaultInjectingObjectStore.Operation;
import dev.ftindex.objectstore.testing.FaultInjectingObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.objectstore.testing.InjectedCrash;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class FaultInjectingObjectStoreTest {

    /** Without faults configured, the wrapper is a store like any other. */
    @Nested
    class Contract extends ObjectStoreContractTest {
        @Override
        protected ObjectStore createStore() {
            return FaultInjectingObjectStore.wrap(InMemoryObjectStore.create()).build();
        }
    }

    private final ObjectStore inner = InMemoryObjectStore.create();

    @Test
    void crashBeforeTheKthMutationDoesNotApplyItAndKillsTheStore() {
        FaultInjectingObjectStore store = FaultInjectingObjectStore.wrap(inner).crashBefore(2).build();
        store.put("a", payload("1"));
        store.head("a");

        assertThatThrownBy(() -> store.put("b", payload("2"))).isInstanceOf(InjectedCrash.class)
                .hasMessageContaining("before mutating call 2");

        assertThat(store.crashed()).isTrue();
        assertThat(inner.list("")).extracting(ObjectInfo::key).containsExactly("a");
        assertThatThrownBy(() -> store.head("a")).isInstanceOf(InjectedCrash.class);
        assertThatThrownBy(() -> store.put("c", payload("3"))).isInstanceOf(InjectedCrash.class);
        assertThat(store.mutatingCalls()).isEqualTo(2);
    }

    @Test
    void crashAfterTheKthMutationAppliesItFirst() {
        FaultInjectingObjectStore store = FaultInjectingObjectStore.wrap(inner).crashAfter(1).build();

        assertThatThrownBy(() -> store.putIfAbsent("a", payload("1"))).isInstanceOf(InjectedCrash.class)
                .hasMessageContaining("after mutating call 1");

        assertThat(inner.list("")).extracting(ObjectInfo::key).containsExactly("a");
        assertThatThrownBy(() -> store.list("")).isInstanceOf(InjectedCrash.class);
    }

    @Test
    void anAmbiguousOutcomeAppliesAndReportsFailureButKeepsTheStoreAlive() throws IOException {
        FaultInjectingObjectStore store = FaultInjectingObjectStore.wrap(inner).ambiguousAt(1).ambiguousAt(3).build();
        inner.put("src", payload("s"));

        assertThatThrownBy(() -> store.put("a", payload("1"))).isInstanceOf(TransientStorageException.class)
                .hasMessageContaining("ambiguous");
        store.delete("nothing");
        assertThatThrownBy(() -> store.copy("src", "dst", Optional.empty())).isInstanceOf(TransientStorageException.class);

        assertThat(store.crashed()).isFalse();
        assertThat(inner.list("")).extracting(ObjectInfo::key).containsExactly("a", "dst", "src");
        try (ObjectStream stream = store.get("dst")) {
            assertThat(new String(stream.readAllRemaining(), UTF_8)).isEqualTo("s");
        }
    }

    @Test
    void transientErrorsAreInjectedBeforeApplyingAndAreSeeded() {
        List<Boolean> first = failures(7);
        List<Boolean> again = failures(7);

        assertThat(first).isEqualTo(again);
        assertThat(first).contains(true, false);
        long failed = first.stream().filter(f -> f).count();
        assertThat(failed).isBetween(20L, 80L);
    }

    private List<Boolean> failures(long seed) {
        ObjectStore target = InMemoryObjectStore.create();
        FaultInjectingObjectStore store = FaultInjectingObjectStore.wrap(target).transientErrors(0.5).seed(seed).build();
        List<Boolean> outcomes = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String key = "k" + i;
            try {
                store.put(key, payload("x"));
                outcomes.add(false);
                assertThat(target.head(key).size()).isEqualTo(1);
            } catch (TransientStorageException e) {
                outcomes.add(true);
                assertThatThrownBy(() -> target.head(key)).isInstanceOf(ObjectNotFoundException.class);
            }
        }
        return outcomes;
    }

    @Test
    void latencyDelaysCalls() {
        FaultInjectingObjectStore store = FaultInjectingObjectStore.wrap(inner).latency(Duration.ofMillis(20)).seed(3).build();
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            store.put("k" + i, payload("x"));
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        // 20 uniform draws up to 20 ms: their sum is far above zero for this seed.
        assertThat(elapsedMillis).isGreaterThan(50);
    }

    @Test
    void theLogNumbersMutatingCallsOnly() {
        FaultInjectingObjectStore store = FaultInjectingObjectStore.wrap(inner).build();
        store.put("a", payload("1"));
        store.head("a");
        store.list("");
        store.copy("a", "b", Optional.empty());
        store.deleteAll(List.of("a", "b"));

        assertThat(store.mutatingCallLog()).containsExactly(
                new FaultInjectingObjectStore.MutatingCall(1, Operation.PUT, "a"),
                new FaultInjectingObjectStore.MutatingCall(2, Operation.COPY, "b"),
                new FaultInjectingObjectStore.MutatingCall(3, Operation.DELETE_ALL, "a"));
    }

    private static Payload payload(String text) {
        return Payload.of(text.getBytes(UTF_8));
    }
}
