package dev.ftindex.finalizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.NotCommittedException;
import dev.ftindex.format.Verdict;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.FaultInjectingObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generations, the alias, publish, rollback and gc (docs/PROTOCOL.md), against a store supplied by the subclass. */
abstract class CollectionLifecycleTest {
    /** A committed index (three partitions from real workers and the finalizer); generations are copies of it. */
    static ObjectStore committed;

    private static final Clock LATER = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));
    private final List<ObjectStore> opened = new ArrayList<>();

    /** A new, empty store of the kind under test: the collection root. */
    abstract ObjectStore createStore();

    @BeforeAll
    static synchronized void commitTemplate() throws IOException {
        if (committed != null) {
            return;
        }
        FinalizerProtocolTest.stageTemplate();
        ObjectStore store = FinalizerProtocolTest.copyOf(FinalizerProtocolTest.template, InMemoryObjectStore.create());
        FinalizerProtocolTest.finalizer(store, FinalizerConfig.defaults()).run();
        committed = store;
    }

    @AfterEach
    void closeStores() {
        opened.forEach(ObjectStore::close);
    }

    ObjectStore collection() {
        ObjectStore store = createStore();
        opened.add(store);
        return store;
    }

    /** Copies the committed template into {@code generations/<id>/} (its committed files only). */
    static void addCommitted(ObjectStore collection, String generation) throws IOException {
        ObjectStore root = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix(generation));
        for (ObjectInfo object : committed.list("")) {
            if (!object.key().startsWith(IndexLayout.STAGING)) {
                copy(committed, object.key(), root, object.key());
            }
        }
    }

    /** Copies the template's staging (three staged partitions, no commit) into {@code generations/<id>/}. */
    static void addBuilding(ObjectStore collection, String generation) throws IOException {
        ObjectStore root = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix(generation));
        for (ObjectInfo object : FinalizerProtocolTest.template.list(IndexLayout.STAGING)) {
            copy(FinalizerProtocolTest.template, object.key(), root, object.key());
        }
    }

    private static void copy(ObjectStore from, String fromKey, ObjectStore to, String toKey) throws IOException {
        try (ObjectStream stream = from.get(fromKey)) {
            to.put(toKey, Payload.of(stream.readAllRemaining()));
        }
    }

    static Publisher publisher(ObjectStore collection) {
        return new Publisher(collection, 4, Progress.silent());
    }

    static GarbageCollector.Report gc(ObjectStore collection, Clock clock, int keep, boolean delete) {
        return new GarbageCollector(collection, new GarbageCollector.Options(Duration.ofHours(1), keep, delete), clock, Progress.silent()).run();
    }

    static Map<String, byte[]> contents(ObjectStore collection, String generation) throws IOException {
        ObjectStore root = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix(generation));
        Map<String, byte[]> contents = new TreeMap<>();
        for (ObjectInfo object : root.list("")) {
            try (ObjectStream stream = root.get(object.key())) {
                contents.put(object.key(), stream.readAllRemaining());
            }
        }
        return contents;
    }

    static Map<String, GarbageCollector.Decision> decisions(GarbageCollector.Report report) {
        Map<String, GarbageCollector.Decision> decisions = new TreeMap<>();
        report.generations().forEach(generation -> decisions.put(generation.generation(), generation.decision()));
        return decisions;
    }

    @Test
    void publishRollbackAndTheirHistory() throws IOException {
        ObjectStore collection = collection();
        for (String generation : List.of("g1", "g2", "g3")) {
            addCommitted(collection, generation);
        }
        addBuilding(collection, "g4");
        IndexCollection view = new IndexCollection(collection);
        assertThat(view.latest()).isEmpty();
        assertThatThrownBy(view::resolve).isInstanceOf(NotCommittedException.class).hasMessageContaining("no published generation");

        Publisher.Result first = publisher(collection).publish("g1");
        assertThat(first.status()).isEqualTo(Publisher.Status.PUBLISHED);
        assertThat(first.alias().version()).isEqualTo(1);
        assertThat(first.previous()).isNull();
        assertThat(first.files()).isPositive();
        Publisher.Result second = publisher(collection).publish("g2");
        assertThat(second.alias().version()).isEqualTo(2);
        assertThat(second.previous()).isEqualTo("g1");
        Publisher.Result again = publisher(collection).publish("g2");
        assertThat(again.status()).isEqualTo(Publisher.Status.ALREADY_CURRENT);
        assertThat(view.versions()).as("publishing the current generation writes nothing").containsExactly(1L, 2L);

        Publisher.Result back = publisher(collection).rollback();
        assertThat(back.generation()).isEqualTo("g1");
        assertThat(back.previous()).isEqualTo("g2");
        assertThat(back.alias().reason()).isEqualTo(AliasVersion.Reason.ROLLBACK);
        assertThat(publisher(collection).rollback().generation()).as("rolling back twice returns").isEqualTo("g2");
        publisher(collection).publish("g3");

        assertThat(view.resolve().generation()).isEqualTo("g3");
        assertThat(view.history(10)).extracting(v -> v.current().generation()).containsExactly("g3", "g2", "g1", "g2", "g1");
        assertThat(view.history(10)).extracting(AliasVersion::version).containsExactly(5L, 4L, 3L, 2L, 1L);

        CollectionStatus.Report status = CollectionStatus.inspect(collection);
        assertThat(status.aliasVersion()).isEqualTo(5);
        assertThat(status.current().generation()).isEqualTo("g3");
        assertThat(status.previous().generation()).isEqualTo("g2");
        assertThat(status.history()).extracting(CollectionStatus.Swap::reason).containsExactly(AliasVersion.Reason.PUBLISH,
                AliasVersion.Reason.ROLLBACK, AliasVersion.Reason.ROLLBACK, AliasVersion.Reason.PUBLISH, AliasVersion.Reason.PUBLISH);
        assertThat(status.generations()).extracting(CollectionStatus.Committed::generation).containsExactly("g1", "g2", "g3");
        assertThat(status.generations()).extracting(CollectionStatus.Committed::role).containsExactly(null, "previous", "current");
        assertThat(status.building()).singleElement().satisfies(building -> {
            assertThat(building.generation()).isEqualTo("g4");
            assertThat(building.stagedPartitions()).isEqualTo(FinalizerProtocolTest.PARTITIONS);
            assertThat(building.missing()).isEmpty();
            assertThat(building.verdict().action()).isEqualTo(Verdict.Action.COMMIT);
        });
    }

    @Test
    void onlyACommittedWholeGenerationIsPublished() throws IOException {
        ObjectStore collection = collection();
        addBuilding(collection, "staged");
        assertThatThrownBy(() -> publisher(collection).publish("staged")).isInstanceOf(NotCommittedException.class)
                .hasMessageContaining("generations/staged/");
        assertThatThrownBy(() -> publisher(collection).publish("nothing")).isInstanceOf(NotCommittedException.class);
        assertThatThrownBy(() -> publisher(collection).rollback()).isInstanceOf(ConflictException.class).hasMessageContaining("no alias yet");

        addCommitted(collection, "missing-file");
        ObjectStore missing = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("missing-file"));
        String gone = missing.list("part_1/").getFirst().key();
        missing.delete(gone);
        assertThatThrownBy(() -> publisher(collection).publish("missing-file")).isInstanceOfSatisfying(CorruptIndexException.class,
                e -> assertThat(e.problems()).anySatisfy(problem -> assertThat(problem).contains(gone)));

        addCommitted(collection, "changed-footer");
        ObjectStore changed = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("changed-footer"));
        ObjectInfo victim = changed.list("part_0/").getFirst();
        byte[] bytes;
        try (ObjectStream stream = changed.get(victim.key())) {
            bytes = stream.readAllRemaining();
        }
        bytes[bytes.length - 1] ^= 0x01;
        changed.put(victim.key(), Payload.of(bytes));
        assertThatThrownBy(() -> publisher(collection).publish("changed-footer")).isInstanceOfSatisfying(CorruptIndexException.class,
                e -> assertThat(e.problems()).anySatisfy(problem -> assertThat(problem).contains(victim.key())));
        assertThat(new IndexCollection(collection).versions()).as("nothing was published").isEmpty();

        addCommitted(collection, "first");
        publisher(collection).publish("first");
        assertThatThrownBy(() -> publisher(collection).rollback()).isInstanceOf(ConflictException.class)
                .hasMessageContaining("no previous generation");
    }

    @Test
    void ofTwoPublishersThatReadTheSameAliasExactlyOneWinsAndTheOtherIsToldWhichWon() throws Exception {
        ObjectStore collection = collection();
        List<String> generations = List.of("base", "left", "right");
        for (String generation : generations) {
            addCommitted(collection, generation);
        }
        publisher(collection).publish("base");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 4; round++) {
                // Both read the alias before either writes: the race the protocol must settle.
                CyclicBarrier bothRead = new CyclicBarrier(2);
                ObjectStore racing = afterAliasRead(collection, bothRead);
                long before = new IndexCollection(collection).latest().orElseThrow().version();
                String current = new IndexCollection(collection).current().orElseThrow();
                List<String> contenders = generations.stream().filter(g -> !g.equals(current)).toList();
                List<Future<Publisher.Result>> results = new ArrayList<>();
                for (String contender : contenders) {
                    results.add(threads.submit(() -> publisher(racing).publish(contender)));
                }
                List<String> winners = new ArrayList<>();
                List<String> conflicts = new ArrayList<>();
                for (Future<Publisher.Result> result : results) {
                    try {
                        winners.add(result.get(60, TimeUnit.SECONDS).generation());
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(ConflictException.class);
                        conflicts.add(e.getCause().getMessage());
                    }
                }
                assertThat(winners).as("round " + round).hasSize(1);
                assertThat(conflicts).singleElement().asString().contains("another publish won").contains("names generation " + winners.getFirst());
                AliasVersion latest = new IndexCollection(collection).latest().orElseThrow();
                assertThat(latest.version()).isEqualTo(before + 1);
                assertThat(latest.current().generation()).isEqualTo(winners.getFirst());
                assertThat(latest.previous().generation()).isEqualTo(current);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** {@code collection}, where each caller's first read of the alias waits until {@code barrier}'s parties have all read it. */
    private static ObjectStore afterAliasRead(ObjectStore collection, CyclicBarrier barrier) {
        ThreadLocal<Boolean> waited = ThreadLocal.withInitial(() -> false);
        return new DelegatingStore(collection) {
            @Override
            public List<ObjectInfo> listShallow(String prefix) {
                List<ObjectInfo> listing = super.listShallow(prefix);
                if (prefix.equals(CollectionLayout.ALIAS_PREFIX) && !waited.get()) {
                    waited.set(true);
                    try {
                        barrier.await(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                return listing;
            }
        };
    }

    @Test
    void anAmbiguousSwapIsSettledByReadingTheAliasBack() throws IOException {
        ObjectStore collection = collection();
        addCommitted(collection, "g1");
        addCommitted(collection, "g2");
        publisher(collection).publish("g1");
        // The alias's next version lands, and the answer is lost: the publish must find its own version and succeed.
        FaultInjectingObjectStore lost = FaultInjectingObjectStore.wrap(collection).ambiguousAt(1).build();
        Publisher.Result result = publisher(lost).publish("g2");
        assertThat(result.status()).isEqualTo(Publisher.Status.PUBLISHED);
        assertThat(lost.mutatingCallLog()).extracting(FaultInjectingObjectStore.MutatingCall::key)
                .containsExactly(CollectionLayout.aliasKey(2));
        assertThat(new IndexCollection(collection).versions()).containsExactly(1L, 2L);
        assertThat(new IndexCollection(collection).current()).contains("g2");

        // A transient failure before the write lands: retried, one version.
        AtomicBoolean failed = new AtomicBoolean();
        ObjectStore flaky = beforePut(collection, CollectionLayout.aliasKey(3), () -> {
            if (failed.compareAndSet(false, true)) {
                throw new dev.ftindex.objectstore.TransientStorageException(collection.location(), CollectionLayout.aliasKey(3),
                        "injected: refused before it was applied", null);
            }
        });
        assertThat(publisher(flaky).rollback().generation()).isEqualTo("g1");
        assertThat(failed).isTrue();
        assertThat(new IndexCollection(collection).versions()).containsExactly(1L, 2L, 3L);

        // A crash before the write leaves the alias as it was.
        FaultInjectingObjectStore crash = FaultInjectingObjectStore.wrap(collection).crashBefore(1).build();
        assertThatThrownBy(() -> publisher(crash).publish("g2")).isInstanceOf(dev.ftindex.objectstore.testing.InjectedCrash.class);
        assertThat(new IndexCollection(collection).current()).contains("g1");
        assertThat(new IndexCollection(collection).versions()).containsExactly(1L, 2L, 3L);
    }

    @Test
    void gcIsADryRunUnlessToldAndSaysWhatItWouldRemove() throws IOException {
        ObjectStore collection = collection();
        for (String generation : List.of("g1", "g2", "g3")) {
            addCommitted(collection, generation);
        }
        publisher(collection).publish("g2");
        publisher(collection).publish("g3");
        Map<String, byte[]> g1 = contents(collection, "g1");
        GarbageCollector.Report report = gc(collection, LATER, 0, false);
        assertThat(report.dryRun()).isTrue();
        assertThat(decisions(report)).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                "g1", GarbageCollector.Decision.REMOVE_SUPERSEDED,
                "g2", GarbageCollector.Decision.KEEP_PREVIOUS,
                "g3", GarbageCollector.Decision.KEEP_CURRENT)));
        long g1Bytes = g1.values().stream().mapToLong(b -> b.length).sum();
        assertThat(report.removableBytes()).isEqualTo(g1Bytes);
        assertThat(report.removableObjects()).isEqualTo(g1.size());
        assertThat(report.generations()).noneMatch(GarbageCollector.Generation::removed);
        assertThat(contents(collection, "g1")).as("a dry run removes nothing").containsOnlyKeys(g1.keySet());
    }

    @Test
    void gcNeverRemovesTheCurrentThePreviousTheYoungOrTheKept() throws IOException {
        ObjectStore collection = collection();
        for (String generation : List.of("g1", "g2", "g3", "g4", "g5")) {
            addCommitted(collection, generation);
        }
        addBuilding(collection, "abandoned");
        publisher(collection).publish("g4");
        publisher(collection).publish("g5");
        ObjectStore current = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix("g5"));
        current.put(IndexLayout.STAGING + "part_0/attempt_left/_0.cfs", Payload.of(new byte[100]));

        GarbageCollector.Report young = gc(collection, Clock.systemUTC(), 0, true);
        assertThat(decisions(young)).containsEntry("g1", GarbageCollector.Decision.KEEP_YOUNG)
                .containsEntry("abandoned", GarbageCollector.Decision.KEEP_YOUNG);
        assertThat(young.removableObjects()).as("everything is younger than the grace period").isZero();

        Map<String, byte[]> g4 = contents(collection, "g4");
        Map<String, byte[]> g5Committed = new TreeMap<>(contents(collection, "g5"));
        g5Committed.keySet().removeIf(key -> key.startsWith(IndexLayout.STAGING));
        GarbageCollector.Report old = gc(collection, LATER, 1, true);
        Map<String, GarbageCollector.Decision> decided = decisions(old);
        assertThat(decided).containsEntry("g4", GarbageCollector.Decision.KEEP_PREVIOUS).containsEntry("g5", GarbageCollector.Decision.KEEP_CURRENT)
                .containsEntry("abandoned", GarbageCollector.Decision.REMOVE_ABANDONED);
        List<String> kept = decided.entrySet().stream().filter(e -> e.getValue() == GarbageCollector.Decision.KEEP_RECENT).map(Map.Entry::getKey).toList();
        List<String> superseded = decided.entrySet().stream().filter(e -> e.getValue() == GarbageCollector.Decision.REMOVE_SUPERSEDED)
                .map(Map.Entry::getKey).toList();
        assertThat(kept).as("--keep 1").hasSize(1);
        assertThat(superseded).hasSize(2);
        assertThat(new ArrayList<>(List.of("g1", "g2", "g3"))).containsExactlyInAnyOrderElementsOf(concat(kept, superseded));
        for (String removed : concat(superseded, List.of("abandoned"))) {
            assertThat(contents(collection, removed)).as(removed).isEmpty();
        }
        assertThat(contents(collection, kept.getFirst())).isNotEmpty();
        assertThat(contents(collection, "g4")).containsOnlyKeys(g4.keySet());
        assertThat(contents(collection, "g5")).as("the staging the finalizer left is gone; the committed files stay")
                .containsOnlyKeys(g5Committed.keySet());
        assertThat(old.generations().stream().filter(g -> g.generation().equals("g5")).findFirst().orElseThrow().stagingLeftover()).isEqualTo(1);
        assertThat(new IndexCollection(collection).generations()).containsExactlyInAnyOrder("g4", "g5", kept.getFirst());
        assertThat(gc(collection, LATER, 1, true).removableObjects()).as("a second run finds nothing").isZero();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void gcKeepsAGenerationPublishedWhileItRuns() throws IOException {
        ObjectStore collection = collection();
        for (String generation : List.of("g1", "g2", "g3", "g4")) {
            addCommitted(collection, generation);
        }
        publisher(collection).publish("g3");
        publisher(collection).publish("g4");
        Map<String, byte[]> g1 = contents(collection, "g1");
        // Just as gc marks g1 for deletion (before it reads the alias again), g1 is published.
        AtomicBoolean published = new AtomicBoolean();
        ObjectStore racing = beforePut(collection, CollectionLayout.gcMarkerKey("g1"), () -> {
            if (published.compareAndSet(false, true)) {
                publisher(collection).publish("g1");
            }
        });
        GarbageCollector.Report report = gc(racing, LATER, 0, true);
        assertThat(published).isTrue();
        assertThat(decisions(report)).containsEntry("g1", GarbageCollector.Decision.KEEP_REPOINTED)
                .containsEntry("g2", GarbageCollector.Decision.REMOVE_SUPERSEDED);
        assertThat(contents(collection, "g1")).as("re-pointed during the run: whole").containsOnlyKeys(g1.keySet());
        assertThat(contents(collection, "g2")).isEmpty();
        assertThat(new IndexCollection(collection).current()).contains("g1");
        assertThat(publisher(collection).publish("g3").status()).as("the marker is gone: publishable again").isEqualTo(Publisher.Status.PUBLISHED);
    }

    @Test
    void aPublishThatGcDidNotSeeNeverReportsSuccessForAGenerationGcDeletes() throws IOException {
        ObjectStore collection = collection();
        for (String generation : List.of("g1", "g2", "g3")) {
            addCommitted(collection, generation);
        }
        publisher(collection).publish("g2");
        publisher(collection).publish("g3");
        // The publish of g1 has verified it and is about to write the alias when gc runs whole:
        // gc reads the alias without the new version and deletes g1.
        AtomicReference<GarbageCollector.Report> gcReport = new AtomicReference<>();
        ObjectStore racing = beforePut(collection, CollectionLayout.aliasKey(3), () -> {
            if (gcReport.get() == null) {
                gcReport.set(gc(collection, LATER, 0, true));
            }
        });
        assertThatThrownBy(() -> publisher(racing).publish("g1")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("gc began deleting it");
        assertThat(decisions(gcReport.get())).containsEntry("g1", GarbageCollector.Decision.REMOVE_SUPERSEDED);
        assertThat(contents(collection, "g1")).isEmpty();
        // And a publish that starts after the mark is refused before it writes anything.
        addCommitted(collection, "g0");
        collection.put(CollectionLayout.gcMarkerKey("g0"), Payload.of("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> publisher(collection).publish("g0")).isInstanceOf(ConflictException.class).hasMessageContaining("being deleted by gc");
        assertThat(new IndexCollection(collection).versions()).containsExactly(1L, 2L, 3L);
    }

    /** {@code collection}, running {@code action} before a put or put-if-absent of {@code key} reaches it. */
    private static ObjectStore beforePut(ObjectStore collection, String key, Runnable action) {
        Function<String, Void> hook = written -> {
            if (written.equals(key)) {
                action.run();
            }
            return null;
        };
        return new DelegatingStore(collection) {
            @Override
            public ObjectInfo put(String written, Payload payload) {
                hook.apply(written);
                return super.put(written, payload);
            }

            @Override
            public ObjectInfo putIfAbsent(String written, Payload payload) {
                hook.apply(written);
                return super.putIfAbsent(written, payload);
            }
        };
    }
}
