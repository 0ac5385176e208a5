package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.ftindex.format.AliasVersion.Published;
import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.NotCommittedException;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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
 *   <li>Read the current alias version {@code v} (the highest of {@code alias/}).
 *   <li>Create version {@code v + 1} create-only, naming the generation as current and the old
 *       current as previous. Of two publishers that read {@code v}, exactly one creates
 *       {@code v + 1}; the other reads it and is told who won ({@link ConflictException}, exit
 *       5). An ambiguous outcome is settled by reading {@code v + 1} back: its token says whether
 *       it is this publish's.
 *
 *   <li>Read {@code gc/<generation>.json}: if a garbage collection marked the generation for
 *       deletion and may not have seen the new version, report a conflict, never success (see
 *       {@link GarbageCollector}).
 * </ol>
 *
 * <p>Atomic: the creation of the version. A failure leaves the alias as it was or at the new
 * version, never between; nothing else is written.
 */
public final class Publisher {
    private final IndexCollection collection;
    private final int concurrency;
    private final Progress progress;

    public Publisher(ObjectStore collection, int concurrency, Progress progress) {
        this.collection = new IndexCollection(requireNonNull(collection, "collection is null"));
        this.concurrency = concurrency;
        this.progress = requireNonNull(progress, "progress is null");
    }

    /** How a publish ended. */
    public enum Status {
        /** This run wrote the new alias version. */
        PUBLISHED("published"),
        /** The generation was current already; nothing was written. */
        ALREADY_CURRENT("already-current");

        private final String json;

        Status(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }
    }

    /**
     * @param files committed files whose size and footer were checked
     * @param alias the alias version that is current now
     */
    public record Result(Status status, String generation, String previous, int files, long bytes, AliasVersion alias) {}

    /**
     * Publishes {@code generation}.
     *
     * @throws dev.ftindex.format.NotCommittedException-like {@link dev.ftindex.format.PartitionsMissingException} if it is not committed (exit 4)
     * @throws CorruptIndexException if a committed file is missing or does not match (exit 6)
     * @throws ConflictException if a concurrent publish won (exit 5), naming its generation
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
        IndexMetadata metadata = StoredJson.readIfExists(root, IndexLayout.METADATA, IndexMetadata.class)
                .orElseThrow(() -> new NotCommittedException(root.location()));
        Instant committed = root.head(IndexLayout.METADATA).lastModified();
        String committedAt = committed.toString();
        if (markedForDeletion(generation, committed)) {
            throw new ConflictException(root.location() + " is being deleted by gc (" + CollectionLayout.gcMarkerKey(generation)
                    + " exists): it cannot be published");
        }
        verify(root, metadata);
        Optional<AliasVersion> latest = collection.latest();
        if (expected.isPresent() && (latest.isEmpty() || latest.get().version() != expected.get().version())) {
            throw new ConflictException(collection.store().location() + ": the alias moved to version "
                    + latest.map(AliasVersion::version).orElse(0L) + " (" + latest.map(a -> a.current().generation()).orElse("none")
                    + ") while rolling back from version " + expected.get().version() + "; look at it before rolling back again");
        }
        if (latest.isPresent() && latest.get().current().generation().equals(generation)) {
            return new Result(Status.ALREADY_CURRENT, generation, latest.get().previous() == null ? null
                    : latest.get().previous().generation(), metadata.totals().files(), metadata.totals().bytes(), latest.get());
        }
        Published current = new Published(generation, metadata.indexId(), metadata.totals().partitions(), metadata.totals().docs(),
                committedAt);
        long version = latest.map(AliasVersion::version).orElse(0L) + 1;
        AliasVersion next = new AliasVersion(AliasVersion.FORMAT, AliasVersion.VERSION, version, current,
                latest.map(AliasVersion::current).orElse(null), reason, UUID.randomUUID().toString(), Instant.now().toString());
        StoredJson.Created<AliasVersion> created = StoredJson.createOnly(collection.store(), CollectionLayout.aliasKey(version), next,
                Json.writeChecksummed(next), false);
        AliasVersion stored = created.stored().orElseThrow(() -> new ConflictException(collection.store().location()
                + CollectionLayout.aliasKey(version) + " existed and vanished: is something deleting alias versions?"));
        if (!stored.token().equals(next.token())) {
            throw new ConflictException(collection.store().location() + ": another publish won: alias version " + version
                    + " names generation " + stored.current().generation() + ", not " + generation
                    + " (publish again if " + generation + " is still wanted)");
        }
        // gc marks a generation before its last read of the alias; this reads the mark after
        // moving the alias. If gc missed this version, the mark is here: never report success
        // for a generation that gc is deleting.
        if (markedForDeletion(generation, committed)) {
            throw new ConflictException(collection.store().location() + CollectionLayout.aliasKey(version) + " names generation "
                    + generation + ", but gc began deleting it while this publish ran (" + CollectionLayout.gcMarkerKey(generation)
                    + "): publish another generation; servers keep serving what they have, since they verify before they swap");
        }
        return new Result(Status.PUBLISHED, generation, next.previous() == null ? null : next.previous().generation(),
                metadata.totals().files(), metadata.totals().bytes(), next);
    }

    /**
     * Whether gc marked this generation for deletion: a marker written after its commit (a
     * marker older than the commit belongs to an earlier generation of the same id, deleted
     * before this one was built).
     */
    private boolean markedForDeletion(String generation, Instant committedAt) {
        try {
            ObjectInfo marker = collection.store().head(CollectionLayout.gcMarkerKey(generation));
            return !marker.lastModified().isBefore(committedAt);
        } catch (ObjectNotFoundException e) {
            return false;
        }
    }

    /** Every committed file's size and footer, with one ranged read each, in parallel; every problem is listed. */
    private void verify(ObjectStore root, IndexMetadata metadata) {
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Tasks.pool(concurrency, "publish");
        try (Stage stage = progress.stage("verifying", "files", metadata.totals().files(), metadata.totals().bytes())) {
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
