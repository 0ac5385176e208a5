package dev.ftindex.finalizer;

import dev.ftindex.builder.PartitionDeletion;
import dev.ftindex.format.AppendBase;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.DeletionManifest;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.Json;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.Tasks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import java.util.Iterator;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * Stages an update's deletions: for each base partition it deletes documents of, a new commit of
 * that partition (live docs) under {@code staging/deletes/part_<n>/attempt_<aid>/}, then its
 * {@link DeletionManifest}, create-only. The base's files are only read, where they lie
 * ({@link BasePartitionDirectory}: the pages the deletion touches, each block checked against the
 * partition's hotcache, which is checked against the base's {@code metadata.lance}); the new
 * commit's files are made locally. A partition without a hotcache (committed before them) is
 * downloaded and verified whole instead.
 *
 * <p>Crash-safe and concurrent-safe as a worker's staging is: files first, the manifest last and
 * create-only, so the first complete attempt of a partition wins and every finalizer plans with
 * the winner; a rerun reuses a manifest that deletes the same ids (its fingerprint) of the same
 * base, and refuses one that deletes others (another update is staged in this root). An attempt
 * that lost or died leaves files that nothing refers to, removed with {@code staging/}.
 */
final class BaseDeletions {
    private static final System.Logger LOG = System.getLogger(BaseDeletions.class.getName());

    private BaseDeletions() {}

    /**
     * Stages the deletion of every base partition in {@code deletes} (by base partition number),
     * the partitions in parallel on {@code pool}; returns each partition's winning manifest.
     */
    static Map<Integer, DeletionManifest> stage(ObjectStore index, AppendBase base, Map<Integer, IdCheck.PartitionDeletes> deletes, Path work,
                                                ExecutorService pool, Stage stage) {
        Map<Integer, DeletionManifest> staged = new ConcurrentHashMap<>();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (Map.Entry<Integer, IdCheck.PartitionDeletes> entry : deletes.entrySet()) {
            IndexMetadata.CommittedPartition partition = base.metadata().partitions().get(entry.getKey());
            tasks.add(() -> {
                staged.put(partition.n(), stageOne(index, base, partition, entry.getValue(), work.resolve("part_" + partition.n()), stage));
                return null;
            });
        }
        Tasks.runAll(pool, tasks);
        return new TreeMap<>(staged);
    }

    private static DeletionManifest stageOne(ObjectStore index, AppendBase base, IndexMetadata.CommittedPartition partition,
                                             IdCheck.PartitionDeletes deletes, Path directory, Stage stage) throws IOException {
        String key = IndexLayout.deletionManifestKey(partition.n());
        Optional<DeletionManifest> existing = StoredJson.readIfExists(index, key, DeletionManifest.class);
        if (existing.isPresent()) {
            LOG.log(Level.INFO, "the deletion of base partition " + partition.n() + " is staged already (attempt "
                    + existing.get().attempt() + "); reusing it");
            return same(index, key, existing.get(), base, deletes);
        }
        String attempt = IndexLayout.newAttemptId();
        Files.createDirectories(directory);
        try {
            PartitionDeletion.Applied applied;
            Supplier<Iterator<BytesRef>> ids = () -> {
                try {
                    return IdCheck.read(deletes);
                } catch (IOException e) {
                    throw new UncheckedIOException("reading " + deletes.file() + " failed: " + e.getMessage(), e);
                }
            };
            Optional<FileEntry> hotcache = partition.files().stream().filter(file -> file.name().equals(Hotcache.NAME)).findFirst();
            if (hotcache.isPresent()) {
                String where = "base " + base.index().indexId() + " part_" + partition.n();
                Hotcache blocks = Hotcache.read(base.root(), partition.key(hotcache.get()), hotcache.get(), where);
                try (BasePartitionDirectory remote = BasePartitionDirectory.open(base.root(), partition, blocks, where, FSDirectory.open(directory))) {
                    applied = PartitionDeletion.apply(remote, base.metadata().spec(), ids, remote.carried());
                    long[] fetched = remote.fetched();
                    stage.add(1, fetched[1]);
                    LOG.log(Level.DEBUG, () -> where + ": " + fetched[0] + " ranged reads, " + fetched[1] + " bytes, to delete " + deletes.ids() + " ids");
                }
            } else {
                // A partition committed before hotcaches has no block checksums to read it where it lies by: downloaded whole.
                try (Stage files = Progress.silent().stage("downloading", Unit.FILES, partition.files().size(), 0)) {
                    download(base, partition, directory, files);
                    stage.add(1, files.bytes());
                }
                try (FSDirectory local = FSDirectory.open(directory)) {
                    applied = PartitionDeletion.apply(local, base.metadata().spec(), ids, Map.of());
                }
            }
            for (FileEntry file : applied.files()) {
                index.put(IndexLayout.deletionFileKey(partition.n(), attempt, file.name()), Payload.of(directory.resolve(file.name())));
            }
            DeletionManifest manifest = new DeletionManifest(DeletionManifest.FORMAT, DeletionManifest.VERSION, partition.n(), base.index(),
                    attempt, deletes.fingerprint(), applied.deleted(), applied.deletedDocs(), applied.files(), applied.dropped(),
                    Instant.now().toString());
            StoredJson.Created<DeletionManifest> created = StoredJson.createOnly(index, key, manifest, Json.writeChecksummed(manifest), true);
            DeletionManifest winner = created.stored().orElseThrow(() -> new ConflictException(index.location() + key
                    + " was created by another finalizer and removed before it could be read: is staging/ being cleaned under a running update?"));
            return same(index, key, winner, base, deletes);
        } finally {
            deleteRecursively(directory);
        }
    }

    /** A staged deletion is reused only if it deletes the same ids of the same base. */
    private static DeletionManifest same(ObjectStore index, String key, DeletionManifest manifest, AppendBase base,
                                         IdCheck.PartitionDeletes deletes) {
        if (!manifest.base().indexId().equals(base.index().indexId()) || !manifest.fingerprint().equals(deletes.fingerprint())) {
            throw new ConflictException(index.location() + key + " deletes other documents (of index " + manifest.base().indexId()
                    + ") than this update: another update of this root is staged. Finalize it with the input, --upsert and --delete"
                    + " it was started with, or remove " + index.location() + IndexLayout.STAGING + " to start over");
        }
        return manifest;
    }

    /** Every file of the base partition, verified against the base's metadata. */
    private static void download(AppendBase base, IndexMetadata.CommittedPartition partition, Path directory, Stage stage) throws IOException {
        List<String> problems = new ArrayList<>();
        for (FileEntry file : partition.files()) {
            LuceneFiles.download(base.root(), partition.key(file), file, directory.resolve(file.name()), stage, "the base's metadata")
                    .ifPresent(problems::add);
        }
        if (!problems.isEmpty()) {
            Collections.sort(problems);
            throw new CorruptIndexException(problems.size() + " committed file(s) of the base's partition " + partition.n()
                    + " failed verification", problems);
        }
    }

    static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (var walk = Files.walk(directory)) {
            walk.sorted(Collections.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.log(Level.WARNING, "could not remove the work directory " + directory + ": " + e.getMessage());
        }
    }
}
