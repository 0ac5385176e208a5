package dev.ftindex.finalizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.CollectionStatus;
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
        return gc(collection, clock, keep, false, delete);
    }

    static GarbageCollector.Report gc(ObjectStore collection, Clock clock, int keep, boolean removeUnpublished, boolean delete) {
        return new GarbageCollector(collection, new GarbageCollector.Options(Duration.ofHours(1), keep, removeUnpublished, delete), clock,
                Progress.silent()).run();
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

    /**
     * {@code collection}, where each caller's first write of an alias version waits until
     * {@code barrier}'s parties have all come that far: each has read the alias it writes after.
     */
    private static ObjectStore afterAliasRead(ObjectStore collection, CyclicBarrier barrier) {
        ThreadLocal<Boolean> waited = ThreadLocal.withInitial(() -> false);
        return new DelegatingStore(collection) {
            @Override
            public ObjectInfo putIfAbsent(String key, Payload payload) {
                if (key.startsWith(CollectionLayout.ALIAS_PREFIX) && !waited.get()) {
                    waited.set(true);
                    try {
                        barrier.await(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                return super.putIfAbsent(key, payload);
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
        publishedInTurn(collection, "g1", "g2", "g3");
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
        for (String generation : List.of("g1", "g2", "g3", "g4", "g5")) {
            publisher(collection).publish(generation);
        }
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
        publishedInTurn(collection, "g1", "g2", "g3", "g4");
        Map<String, byte[]> g1 = contents(collection, "g1");
        // Just as gc is about to write its claim (alias version 5), g1 is published (and takes version 5).
        AtomicBoolean published = new AtomicBoolean();
        ObjectStore racing = beforePut(collection, CollectionLayout.aliasKey(5), () -> {
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
        IndexCollection view = new IndexCollection(collection);
        assertThat(view.current()).contains("g1");
        assertThat(report.aliasVersions()).as("the claim lost version 5, took 6, and the release took 7").containsExactly(6L, 7L);
        assertThat(view.version(6).reason()).isEqualTo(AliasVersion.Reason.GC);
        assertThat(view.version(6).condemned()).extracting(AliasVersion.Condemned::generation).containsExactly("g2");
        assertThat(view.latest().orElseThrow().condemned()).as("released once g2 was gone").isEmpty();
        assertThat(view.latest().orElseThrow().formatVersion()).as("gc's versions need format 2").isEqualTo(2);
        assertAliasNamesCompleteGenerations(collection);
        assertThat(publisher(collection).publish("g3").alias().formatVersion()).as("a publish with nothing condemned writes format 1")
                .isEqualTo(1);
    }

    @Test
    void aPublishThatGcDidNotSeeLosesToItsClaimAndNeverLeavesTheAliasNamingADeletedGeneration() throws IOException {
        ObjectStore collection = collection();
        publishedInTurn(collection, "g1", "g2", "g3");
        // The publish of g1 has verified it and is about to write alias version 4 when gc runs
        // whole: gc reads version 3, which does not name g1, claims it, deletes it, releases it.
        // On main before this change, the publish then wrote version 4 naming the deleted g1.
        AtomicReference<GarbageCollector.Report> gcReport = new AtomicReference<>();
        ObjectStore racing = beforePut(collection, CollectionLayout.aliasKey(4), () -> {
            if (gcReport.get() == null) {
                gcReport.set(gc(collection, LATER, 0, true));
            }
        });
        assertThatThrownBy(() -> publisher(racing).publish("g1")).isInstanceOf(NotCommittedException.class)
                .hasMessageContaining("generation g1 was deleted while this run read it");
        assertThat(decisions(gcReport.get())).containsEntry("g1", GarbageCollector.Decision.REMOVE_SUPERSEDED);
        assertThat(contents(collection, "g1")).isEmpty();
        AliasVersion latest = new IndexCollection(collection).latest().orElseThrow();
        assertThat(latest.current().generation()).isEqualTo("g3");
        assertThat(latest.previous().generation()).isEqualTo("g2");
        assertAliasNamesCompleteGenerations(collection);
        assertThat(publisher(collection).rollback().generation()).as("rollback still works").isEqualTo("g2");
    }

    @Test
    void aGenerationGcHasClaimedIsNotPublishedWhileItIsBeingDeleted() throws IOException {
        ObjectStore collection = collection();
        publishedInTurn(collection, "g1", "g2", "g3");
        // gc has claimed g1 and is about to delete its metadata.lance: a publish of g1 now is refused.
        AtomicReference<Throwable> refused = new AtomicReference<>();
        ObjectStore stalled = new DelegatingStore(collection) {
            @Override
            public void delete(String key) {
                if (key.equals(CollectionLayout.generationPrefix("g1") + IndexLayout.METADATA) && refused.get() == null) {
                    try {
                        publisher(collection).publish("g1");
                        refused.set(new AssertionError("published"));
                    } catch (RuntimeException e) {
                        refused.set(e);
                    }
                }
                super.delete(key);
            }
        };
        gc(stalled, LATER, 0, true);
        assertThat(refused.get()).isInstanceOf(ConflictException.class).hasMessageContaining("generations/g1/ is being deleted by gc");
        assertThat(new IndexCollection(collection).current()).contains("g3");
        assertThat(contents(collection, "g1")).isEmpty();
        assertAliasNamesCompleteGenerations(collection);
    }

    @Test
    void aGcThatCrashedAfterItsClaimIsFinishedByTheNextRun() throws IOException {
        ObjectStore collection = collection();
        publishedInTurn(collection, "g1", "g2", "g3");
        ObjectStore crashing = new DelegatingStore(collection) {
            @Override
            public void delete(String key) {
                throw new dev.ftindex.objectstore.testing.InjectedCrash("crash before deleting " + key);
            }
        };
        assertThatThrownBy(() -> gc(crashing, LATER, 0, true)).isInstanceOf(dev.ftindex.objectstore.testing.InjectedCrash.class);
        assertThat(new IndexCollection(collection).latest().orElseThrow().condemned()).extracting(AliasVersion.Condemned::generation)
                .containsExactly("g1");
        assertThat(CollectionStatus.inspect(collection).condemned()).extracting(AliasVersion.Condemned::generation).containsExactly("g1");
        assertThatThrownBy(() -> publisher(collection).publish("g1")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("being deleted by gc");

        GarbageCollector.Report next = gc(collection, Clock.systemUTC(), 5, true);
        assertThat(decisions(next)).as("young and within --keep, but condemned: finished").containsEntry("g1",
                GarbageCollector.Decision.REMOVE_CONDEMNED);
        assertThat(contents(collection, "g1")).isEmpty();
        assertThat(new IndexCollection(collection).latest().orElseThrow().condemned()).isEmpty();
        assertAliasNamesCompleteGenerations(collection);
    }

    @Test
    void gcKeepsCommittedGenerationsThatWereNeverPublished() throws Exception {
        ObjectStore collection = collection();
        addCommitted(collection, "g1");
        pause();
        addCommitted(collection, "g2");
        GarbageCollector.Report beforeFirstPublish = gc(collection, LATER, 0, true);
        assertThat(beforeFirstPublish.current()).isNull();
        assertThat(decisions(beforeFirstPublish)).as("nothing published yet: everything committed waits for its publish")
                .containsEntry("g1", GarbageCollector.Decision.KEEP_PENDING).containsEntry("g2", GarbageCollector.Decision.KEEP_PENDING);
        assertThat(beforeFirstPublish.removableObjects()).isZero();
        assertThat(contents(collection, "g1")).isNotEmpty();
        assertThat(contents(collection, "g2")).isNotEmpty();

        publisher(collection).publish("g2");
        pause();
        addCommitted(collection, "g3");
        GarbageCollector.Report dryRun = gc(collection, LATER, 0, false);
        assertThat(decisions(dryRun)).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                "g1", GarbageCollector.Decision.KEEP_UNPUBLISHED,
                "g2", GarbageCollector.Decision.KEEP_CURRENT,
                "g3", GarbageCollector.Decision.KEEP_PENDING)));
        assertThat(dryRun.generations()).filteredOn(g -> g.generation().equals("g1")).singleElement()
                .satisfies(g -> assertThat(g.published()).isFalse());
        assertThat(dryRun.generations()).filteredOn(g -> g.generation().equals("g2")).singleElement()
                .satisfies(g -> assertThat(g.published()).isTrue());
        assertThat(gc(collection, LATER, 0, true).removableObjects()).isZero();

        GarbageCollector.Report removing = gc(collection, LATER, 0, true, true);
        assertThat(decisions(removing)).containsEntry("g1", GarbageCollector.Decision.REMOVE_UNPUBLISHED)
                .containsEntry("g3", GarbageCollector.Decision.KEEP_PENDING);
        assertThat(contents(collection, "g1")).isEmpty();
        assertThat(contents(collection, "g3")).isNotEmpty();
        assertThat(publisher(collection).publish("g3").status()).as("the pending generation is still publishable")
                .isEqualTo(Publisher.Status.PUBLISHED);
    }

    @Test
    void gcLeavesNoMarkersBehindAndRemovesThoseOfOlderVersions() throws IOException {
        ObjectStore collection = collection();
        publishedInTurn(collection, "g1", "g2", "g3");
        // What ftindex 0.1's gc left: a marker per deleted generation, and one of a generation that is still here.
        collection.put(CollectionLayout.LEGACY_GC_PREFIX + "g0.json", Payload.of("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        collection.put(CollectionLayout.LEGACY_GC_PREFIX + "g2.json", Payload.of("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        gc(collection, LATER, 0, true);
        assertThat(contents(collection, "g1")).isEmpty();
        assertThat(collection.list(CollectionLayout.LEGACY_GC_PREFIX)).extracting(ObjectInfo::key)
                .as("markers of generations that are gone are removed").containsExactly(CollectionLayout.LEGACY_GC_PREFIX + "g2.json");
        assertThat(collection.list("")).extracting(ObjectInfo::key)
                .allMatch(key -> key.startsWith(CollectionLayout.ALIAS_PREFIX) || key.startsWith("generations/g2/")
                        || key.startsWith("generations/g3/") || key.equals(CollectionLayout.LEGACY_GC_PREFIX + "g2.json"));
    }

    @Test
    void aPublishWhoseGenerationVanishesBetweenItsReadsIsNotCommittedNotABug() throws IOException {
        ObjectStore collection = collection();
        addCommitted(collection, "g1");
        addCommitted(collection, "g2");
        publisher(collection).publish("g1");
        String metadata = CollectionLayout.generationPrefix("g2") + IndexLayout.METADATA;
        // gc deletes metadata.lance between the publish's read of it and its HEAD for the commit time.
        ObjectStore vanishing = new DelegatingStore(collection) {
            @Override
            public ObjectInfo head(String key) {
                if (key.equals(metadata)) {
                    collection.delete(key);
                }
                return super.head(key);
            }
        };
        assertThatThrownBy(() -> publisher(vanishing).publish("g2")).isInstanceOf(NotCommittedException.class)
                .hasMessageContaining("generations/g2/");
        assertThat(new IndexCollection(collection).current()).contains("g1");
    }

    /** Rounds of {@link #publishersAndGcInRandomInterleavingsLeaveTheAliasNamingOnlyCompleteGenerations} on this store. */
    int interleavingRounds() {
        return 12;
    }

    /**
     * Issue 20's race, in random interleavings: 5 publishes (of this round's and the last round's
     * generations) and 4 {@code gc --delete --grace 0s} at once, each call of each of them delayed
     * by a random 0-3 ms. After every round the latest alias version must name only committed,
     * complete generations. Every publish ends published, refused (exit 4 or 5), never otherwise.
     */
    @Test
    void publishersAndGcInRandomInterleavingsLeaveTheAliasNamingOnlyCompleteGenerations() throws Exception {
        ObjectStore collection = collection();
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> last = List.of();
        ExecutorService threads = Executors.newFixedThreadPool(9);
        try {
            for (int round = 0; round < interleavingRounds(); round++) {
                List<String> fresh = List.of("r" + round + "-a", "r" + round + "-b", "r" + round + "-c");
                for (String generation : fresh) {
                    addCommitted(collection, generation);
                }
                publisher(collection).publish(fresh.getFirst());
                List<String> candidates = new ArrayList<>(fresh);
                candidates.addAll(last);
                java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
                List<Future<String>> operations = new ArrayList<>();
                for (int i = 0; i < 9; i++) {
                    long opSeed = random.nextLong();
                    String generation = candidates.get(random.nextInt(candidates.size()));
                    boolean gc = i % 2 == 1 && i < 9;
                    boolean removeUnpublished = random.nextBoolean();
                    operations.add(threads.submit(() -> {
                        ObjectStore jittered = jittered(collection, opSeed);
                        start.await();
                        if (gc) {
                            new GarbageCollector(jittered, new GarbageCollector.Options(Duration.ZERO, 0, removeUnpublished, true),
                                    Clock.systemUTC(), Progress.silent()).run();
                            return "gc: ran";
                        }
                        try {
                            return "publish: " + publisher(jittered).publish(generation).status().json();
                        } catch (ConflictException e) {
                            return "publish: conflict (exit 5)";
                        } catch (NotCommittedException e) {
                            return "publish: not committed (exit 4)";
                        }
                    }));
                }
                start.countDown();
                for (Future<String> operation : operations) {
                    outcomes.merge(operation.get(120, TimeUnit.SECONDS), 1, Integer::sum);
                }
                assertAliasNamesCompleteGenerations(collection);
                outcomes.merge("rounds", 1, Integer::sum);
                last = fresh;
            }
        } catch (AssertionError | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("seed " + seed + ", outcomes so far " + outcomes, e);
        } finally {
            threads.shutdownNow();
        }
        System.out.println("publish/gc interleavings on " + getClass().getSimpleName() + ": " + outcomes + ", violations: 0");
        assertThat(outcomes.get("gc: ran")).isEqualTo(4 * interleavingRounds());
    }

    /** {@code store}, each call delayed by a random 0-3 ms (seeded), so that concurrent runs interleave differently each time. */
    static ObjectStore jittered(ObjectStore store, long seed) {
        java.util.Random random = new java.util.Random(seed);
        return new DelegatingStore(store) {
            private void pause() {
                try {
                    int micros;
                    synchronized (random) {
                        micros = random.nextInt(3_000);
                    }
                    Thread.sleep(micros / 1000, (micros % 1000) * 1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public ObjectInfo head(String key) {
                pause();
                return super.head(key);
            }

            @Override
            public ObjectStream get(String key, dev.ftindex.objectstore.ByteRange range) {
                pause();
                return super.get(key, range);
            }

            @Override
            public List<ObjectInfo> list(String prefix) {
                pause();
                return super.list(prefix);
            }

            @Override
            public List<ObjectInfo> listShallow(String prefix) {
                pause();
                return super.listShallow(prefix);
            }

            @Override
            public List<String> listPrefixes(String prefix) {
                pause();
                return super.listPrefixes(prefix);
            }

            @Override
            public ObjectInfo put(String key, Payload payload) {
                pause();
                return super.put(key, payload);
            }

            @Override
            public ObjectInfo putIfAbsent(String key, Payload payload) {
                pause();
                return super.putIfAbsent(key, payload);
            }

            @Override
            public void delete(String key) {
                pause();
                super.delete(key);
            }

            @Override
            public void deleteAll(java.util.Collection<String> keys) {
                pause();
                super.deleteAll(keys);
            }
        };
    }

    /** Lets the store's clock move on, so that two generations' commit times differ (S3's are in whole seconds). */
    private static void pause() throws InterruptedException {
        Thread.sleep(1_100);
    }

    static void assertAliasNamesCompleteGenerations(ObjectStore collection) {
        assertThat(dev.ftindex.format.testing.AliasInvariant.violations(collection)).isEmpty();
    }

    /** Commits each generation into {@code collection} and publishes them in turn: the last is current, the one before it previous. */
    static void publishedInTurn(ObjectStore collection, String... generations) throws IOException {
        for (String generation : generations) {
            addCommitted(collection, generation);
        }
        for (String generation : generations) {
            publisher(collection).publish(generation);
        }
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
