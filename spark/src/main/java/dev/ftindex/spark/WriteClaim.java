package dev.ftindex.spark;

import dev.ftindex.format.ConflictException;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.Json;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.WriteMarker;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Binds an index root's staging to one Spark write, so that a rerun never commits the partitions
 * of a failed run with its own (docs/PROTOCOL.md, "Spark writer"):
 *
 * <ul>
 *   <li>{@link #claim}, on the driver before any task runs: a committed root is a conflict; a root
 *       holding anything but this write's staging is a conflict too, unless {@code replace}
 *       (mode overwrite), which first removes every uncommitted object; then the marker
 *       {@code staging/_write.json} naming this write is created create-only (of two writes
 *       claiming one root at once, one gets a conflict).
 *   <li>Every manifest the write's tasks stage carries its id, and its finalize commits only
 *       partitions of that id ({@code FinalizerConfig.expectedWriteId}).
 *   <li>{@link #release}, on abort: this write's uncommitted objects go; never anything once
 *       {@code metadata.lance} exists.
 * </ul>
 */
final class WriteClaim {
    private static final System.Logger LOG = System.getLogger(WriteClaim.class.getName());

    private WriteClaim() {}

    /** The attempt-id prefix of this write's tasks: how its files are told from another write's. */
    static String attemptPrefix(String writeId) {
        return "w" + writeId.replace("-", "").substring(0, Math.min(12, writeId.replace("-", "").length()));
    }

    static void claim(ObjectStore root, String writeId, boolean replace, String description) {
        new IndexRoot(root).refuseIfCommitted("write to a new path (or a new generation of a collection)");
        Optional<WriteMarker> marker = StoredJson.readIfExists(root, IndexLayout.WRITE_MARKER, WriteMarker.class);
        if (marker.isPresent() && marker.get().writeId().equals(writeId)) {
            return;
        }
        List<ObjectInfo> present = root.list("");
        if (!present.isEmpty()) {
            String whose = marker.map(m -> "the uncommitted staging of write " + m.writeId() + " (" + m.description() + ", started "
                    + m.createdAt() + ")").orElse(present.size() + " uncommitted objects (" + present.getFirst().key() + ", ...)");
            if (!replace) {
                throw new ConflictException(root.location() + " holds " + whose + ": a write never commits another's partitions with its"
                        + " own. Write with mode(\"overwrite\") to replace them, or to another path");
            }
            LOG.log(Level.WARNING, "mode overwrite: removing " + present.size() + " objects of " + whose + " under " + root.location());
            new IndexRoot(root).refuseIfCommitted("write to a new path (or a new generation of a collection)");
            root.deleteAll(present.stream().map(ObjectInfo::key).toList());
        }
        WriteMarker ours = new WriteMarker(WriteMarker.FORMAT, WriteMarker.VERSION, writeId, description, Instant.now().toString());
        StoredJson.Created<WriteMarker> created = StoredJson.createOnly(root, IndexLayout.WRITE_MARKER, ours, Json.writeChecksummed(ours), false);
        WriteMarker stored = created.stored().orElseThrow(() -> new ConflictException(root.location() + IndexLayout.WRITE_MARKER
                + " appeared and vanished while this write claimed the root: is another write replacing it?"));
        if (!stored.writeId().equals(writeId)) {
            throw new ConflictException(root.location() + " was claimed by write " + stored.writeId() + " (" + stored.description()
                    + ") at the same moment: two writes to one path at once; write to another path");
        }
    }

    /** Whether the marker names this write. */
    static boolean owns(ObjectStore root, String writeId) {
        return StoredJson.readIfExists(root, IndexLayout.WRITE_MARKER, WriteMarker.class).map(m -> m.writeId().equals(writeId)).orElse(false);
    }

    /**
     * Removes this write's uncommitted objects: everything, if the root is still this write's;
     * else only the manifests and attempt files of this write (another write replaced it).
     * Nothing if the root is committed.
     */
    static void release(ObjectStore root, String writeId) {
        if (new IndexRoot(root).isCommitted()) {
            LOG.log(Level.INFO, root.location() + " is committed: nothing of this write is removed");
            return;
        }
        List<String> doomed = new ArrayList<>();
        if (owns(root, writeId)) {
            root.list("").forEach(object -> doomed.add(object.key()));
        } else {
            String prefix = attemptPrefix(writeId) + "-";
            for (ObjectInfo object : root.list(IndexLayout.STAGING)) {
                IndexLayout.stagedFile(object.key()).filter(file -> file.attempt().startsWith(prefix)).ifPresent(file -> doomed.add(object.key()));
                IndexLayout.manifestPartition(object.key()).ifPresent(partition -> {
                    Optional<PartitionManifest> manifest = StoredJson.readIfExists(root, object.key(), PartitionManifest.class);
                    if (manifest.isPresent() && writeId.equals(manifest.get().writeId())) {
                        doomed.add(object.key());
                    }
                });
            }
        }
        if (!doomed.isEmpty()) {
            root.deleteAll(doomed);
        }
        LOG.log(Level.INFO, "write " + writeId + " aborted: removed " + doomed.size() + " of its uncommitted objects from " + root.location());
    }
}
