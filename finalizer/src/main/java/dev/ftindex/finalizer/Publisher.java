package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.AliasVersion.Published;
import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.NotCommittedException;
import dev.ftindex.format.WireEnum;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;

/**
 * Points a collection's alias at a generation: {@code publish}, and {@code rollback} (a publish
 * of the previous generation).
 *
 * <ol>
 *   <li>The generation must be committed, and every file {@code metadata.lance} lists must exist
 *       with its size and footer checksum: one ranged read of each file's last 16 bytes, never a
 *       download (a generation may be terabytes).
 *   <li>Read the current alias version {@code v} (the highest of {@code alias/}). If {@code v}
 *       lists the generation as condemned, gc is deleting it: refuse ({@link ConflictException}).
 *   <li>Check that the commit is still the one verified (one HEAD of {@code metadata.lance}): a gc
 *       that deleted the generation and released it since step 1 leaves nothing there.
 *   <li>Create version {@code v + 1} create-only, naming the generation as current, the old
 *       current as previous, and carrying {@code v}'s condemned generations. Of two writers that
 *       read {@code v}, exactly one creates {@code v + 1}. A publisher that lost to a gc version
 *       (which names what {@code v} named) goes back to step 2; one that lost to another publish
 *       is told who won ({@link ConflictException}, exit 5). An ambiguous outcome is settled by
 *       reading {@code v + 1} back ({@link IndexCollection#append}).
 * </ol>
 *
 * <p>Atomic: the creation of the version. A failure leaves the alias as it was or at the new
 * version, never between; nothing else is written. Why a generation gc condemned is never named
 * again: {@link GarbageCollector}.
 */
public final class Publisher {
    /** How often a publish goes back to step 2 after losing to gc versions before it gives up (exit 5). */
    private static final int GC_RACES = 10;

    private final IndexCollection collection;
    private final int concurrency;
    private final Progress progress;

    public Publisher(ObjectStore collection, int concurrency, Progress progress) {
        this.collection = new IndexCollection(requireNonNull(collection, "collection is null"));
        this.concurrency = concurrency;
        this.progress = requireNonNull(progress, "progress is null");
    }

    /** How a publish ended. */
    public enum Status implements WireEnum {
        /** This run wrote the new alias version. */
        PUBLISHED,
        /** The generation was current already; nothing was written. */
        ALREADY_CURRENT;
    }

    /**
     * @param files committed files whose size and footer were checked
     * @param alias the alias version that is current now
     */
    public record Result(Status status, String generation, String previous, int files, long bytes, AliasVersion alias) {}

    /**
     * Publishes {@code generation}.
     *
     * @throws NotCommittedException if it is not committed, or its commit was deleted while this
     *     ran (exit 4)
     * @throws CorruptIndexException if a committed file is missing or does not match (exit 6)
     * @throws ConflictException if a concurrent publish won (exit 5), naming its generation, or gc
     *     is deleting the generation
     */
    public Result publish(String generation) {
        return publish(generation, AliasVersion.Reason.PUBLISH, Optional.empty());
    }

    /**
     * Publishes the previous generation of the current alias version.
     *
     * @throws ConflictException if there is none, or a concurrent publish won
     */
    public Result rollback() {
        AliasVersion latest = collection.latest().orElseThrow(() -> new ConflictException(collection.store().location()
                + " has no alias yet: nothing to roll back (publish a generation first)"));
        if (latest.previous() == null) {
            throw new ConflictException(collection.store().location() + CollectionLayout.aliasKey(latest.version())
                    + " names no previous generation: nothing to roll back to");
        }
        return publish(latest.previous().generation(), AliasVersion.Reason.ROLLBACK, Optional.of(latest));
    }

    private Result publish(String generation, AliasVersion.Reason reason, Optional<AliasVersion> expected) {
        CollectionLayout.checkGeneration(generation);
        ObjectStore root = collection.generation(generation);
        IndexRoot.Commit commit = new IndexRoot(root).commit().orElseThrow(() -> new NotCommittedException(root.location()));
        refuseCondemned(generation, collection.latest());
        try {
            verify(root, commit.metadata());
        } catch (CorruptIndexException e) {
            // Files that vanish under the check are gc's doing when it is deleting the generation.
            refuseCondemned(generation, collection.latest());
            confirm(generation, root, commit);
            throw e;
        }
        IndexMetadata metadata = commit.metadata();
        for (int attempt = 1;; attempt++) {
            boolean mayRetry = attempt < GC_RACES;
            Optional<AliasVersion> latest = collection.latest();
            expected.ifPresent(before -> refuseMoved(before, latest));
            if (latest.isPresent() && latest.get().current().generation().equals(generation)) {
                return new Result(Status.ALREADY_CURRENT, generation, latest.get().previous() == null ? null
                        : latest.get().previous().generation(), metadata.totals().files(), metadata.totals().bytes(), latest.get());
            }
            refuseCondemned(generation, latest);
            confirm(generation, root, commit);
            Published current = new Published(generation, metadata.indexId(), metadata.totals().partitions(), metadata.totals().docs(),
                    commit.committedAt().toString());
            AliasVersion next = AliasVersion.next(latest, current, latest.map(AliasVersion::current).orElse(null), reason,
                    latest.map(AliasVersion::condemned).orElse(List.of()), Instant.now().toString());
            switch (collection.append(next)) {
                case IndexCollection.Append.Written written -> {
                    return new Result(Status.PUBLISHED, generation, next.previous() == null ? null : next.previous().generation(),
                            metadata.totals().files(), metadata.totals().bytes(), written.version());
                }
                case IndexCollection.Append.Lost lost when lost.winner().reason() == AliasVersion.Reason.GC && mayRetry -> {
                    // gc claimed or released other generations: what the alias names is unchanged, so try again on it.
                }
                case IndexCollection.Append.Lost lost -> throw new ConflictException(collection.store().location()
                        + ": another " + lost.winner().reason().json() + " won: alias version " + next.version() + " names generation "
                        + lost.winner().current().generation() + ", not " + generation + " (publish again if " + generation
                        + " is still wanted)");
            }
        }
    }

    /** Refuses a generation the alias lists as condemned: gc is deleting it. */
    private void refuseCondemned(String generation, Optional<AliasVersion> latest) {
        Optional<AliasVersion.Condemned> condemned = latest.flatMap(alias -> alias.condemnation(generation));
        if (condemned.isPresent()) {
            throw new ConflictException(collection.store().location() + CollectionLayout.generationPrefix(generation)
                    + " is being deleted by gc (claimed at " + condemned.get().claimedAt() + ", alias version "
                    + latest.get().version() + "): it cannot be published");
        }
    }

    /** The commit must still be the one that was verified: gc may have deleted the generation meanwhile. */
    private static void confirm(String generation, ObjectStore root, IndexRoot.Commit verified) {
        Optional<IndexRoot.Commit> now = new IndexRoot(root).commit();
        if (now.isEmpty()) {
            throw NotCommittedException.deleted(root.location(), generation);
        }
        if (!now.get().committedAt().equals(verified.committedAt()) || !now.get().metadata().indexId().equals(verified.metadata().indexId())) {
            throw new ConflictException(root.location() + IndexLayout.METADATA + " changed while generation " + generation
                    + " was being published (committed again at " + now.get().committedAt() + "): publish it again");
        }
    }

    /** A rollback goes back only from what it read: the alias must still name the same two generations. */
    private void refuseMoved(AliasVersion before, Optional<AliasVersion> latest) {
        boolean same = latest.isPresent() && latest.get().current().generation().equals(before.current().generation())
                && latest.get().previous() != null && latest.get().previous().generation().equals(before.previous().generation());
        if (!same) {
            throw new ConflictException(collection.store().location() + ": the alias moved to version "
                    + latest.map(AliasVersion::version).orElse(0L) + " (" + latest.map(a -> a.current().generation()).orElse("none")
                    + ") while rolling back from version " + before.version() + "; look at it before rolling back again");
        }
    }

    /** Every committed file's size and footer, with one ranged read each, in parallel; every problem is listed. */
    private void verify(ObjectStore root, IndexMetadata metadata) {
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Tasks.pool(concurrency, "publish");
        try (Stage stage = progress.stage("verifying", Unit.FILES, metadata.totals().files(), metadata.totals().bytes())) {
            List<Callable<Void>> checks = new ArrayList<>();
            for (IndexMetadata.CommittedPartition partition : metadata.partitions()) {
                for (FileEntry file : partition.files()) {
                    checks.add(() -> {
                        LuceneFiles.checkFooter(root, partition.key(file), file, "the metadata").ifPresent(problems::add);
                        stage.add(1, file.size());
                        return null;
                    });
                }
            }
            Tasks.runAll(pool, checks);
        } finally {
            pool.shutdownNow();
        }
        if (!problems.isEmpty()) {
            List<String> sorted = new ArrayList<>(problems);
            Collections.sort(sorted);
            throw new CorruptIndexException(root.location() + " cannot be published: " + sorted.size()
                    + " committed file(s) do not match its metadata", sorted);
        }
    }
}
