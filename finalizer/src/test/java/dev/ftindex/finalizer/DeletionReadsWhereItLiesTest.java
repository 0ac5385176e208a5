package dev.ftindex.finalizer;

import static dev.ftindex.finalizer.AppendTest.generation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.builder.PartitionDeletion;
import dev.ftindex.format.AppendBase;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.format.IdList;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.worker.DeleteList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting a few documents of a large base partition reads the partition where it lies: the pages
 * the deletion touches (the id field's terms, the id list), each checked against the partition's
 * hotcache, not the partition. What it writes is what a deletion in a downloaded copy writes, and
 * a damaged page of the base fails the update, naming it, before anything is committed.
 */
class DeletionReadsWhereItLiesTest {
    private static final int DOCS = 50_000;
    private static final List<String> DELETED = List.of("doc-11", "doc-27000", "doc-49999");

    /** g1 committed: one partition of {@value #DOCS} documents. */
    private static ObjectStore template;

    @TempDir
    Path temp;

    @BeforeAll
    static void buildBase(@TempDir Path scratch) throws IOException {
        Path input = TestDocuments.write(scratch.resolve("base.jsonl"), TestDocuments.lines(0, DOCS, 17));
        ObjectStore collection = InMemoryObjectStore.create();
        AppendTest.stage(generation(collection, "g1"), scratch, input, 1, null);
        new Finalizer(generation(collection, "g1"), FinalizerConfig.defaults(), Progress.silent()).run();
        template = collection;
    }

    private BaseUpdate deletes() throws IOException {
        Path list = Files.write(temp.resolve("deletes.txt"), DELETED);
        DeleteList.Sorted sorted = DeleteList.read(list.toString(), temp.resolve("sorted"), location -> {
            throw new AssertionError(location);
        });
        return new BaseUpdate(false, Optional.of(new BaseUpdate.DeleteIds(sorted.list().getParent(), sorted.file(), sorted.fingerprint(),
                sorted.source())), false);
    }

    private FinalizeResult update(ObjectStore collection) throws IOException {
        return new Finalizer(generation(collection, "g2"), Optional.of(AppendBase.open(generation(collection, "g1"), "g1")), deletes(),
                FinalizerConfig.defaults(), Progress.silent()).run();
    }

    @Test
    void aFewDeletesReadAFractionOfThePartitionAndWriteWhatADownloadedCopyWould() throws IOException {
        ObjectStore collection = FinalizerProtocolTest.copyOf(template, InMemoryObjectStore.create());
        IndexMetadata.CommittedPartition base = StoredJson.read(generation(collection, "g1"), IndexLayout.METADATA, IndexMetadata.class)
                .partitions().getFirst();
        long partitionBytes = base.files().stream().mapToLong(FileEntry::size).sum();
        long idListBytes = base.files().stream().filter(file -> file.name().equals(IdList.NAME)).findFirst().orElseThrow().size();
        long hotcacheBytes = base.files().stream().filter(file -> file.name().equals(Hotcache.NAME)).findFirst().orElseThrow().size();

        long before = collection.metrics().snapshot().bytesRead();
        FinalizeResult result = update(collection);
        long read = collection.metrics().snapshot().bytesRead() - before;

        assertThat(result.index().deletedDocs()).isEqualTo(DELETED.size());
        // The id check and the deletion each read the id list; the rest is the hotcache, the pages of the terms each
        // id is looked up in (a block may straddle two pages), and the generations' metadata and manifests (64 KiB is ample).
        assertThat(read).as("bytes read of a %,d-byte partition (id list %,d bytes, hotcache %,d)", partitionBytes, idListBytes, hotcacheBytes)
                .isLessThanOrEqualTo(2 * idListBytes + hotcacheBytes + 2L * DELETED.size() * BasePartitionDirectory.PAGE_SIZE + 64 * 1024)
                .isLessThan(partitionBytes / 3);

        // The same deletion in a downloaded copy of the partition: the same live docs, id list and hotcache blocks.
        Path copy = Files.createDirectories(temp.resolve("copy"));
        for (FileEntry file : base.files()) {
            try (ObjectStream stream = generation(collection, "g1").get(base.key(file))) {
                Files.write(copy.resolve(file.name()), stream.readAllRemaining());
            }
        }
        PartitionDeletion.Applied local;
        try (FSDirectory directory = FSDirectory.open(copy)) {
            local = PartitionDeletion.apply(directory, TestDocuments.spec(), () -> sortedIds(), Map.of());
        }
        IndexMetadata updated = StoredJson.read(generation(collection, "g2"), IndexLayout.METADATA, IndexMetadata.class);
        IndexMetadata.CommittedPartition remote = updated.partitions().getFirst();
        Map<String, byte[]> written = new TreeMap<>();
        for (FileEntry file : remote.files()) {
            try (ObjectStream stream = generation(collection, "g2").get(remote.key(file))) {
                written.put(file.name(), stream.readAllRemaining());
            }
        }
        assertThat(local.files().stream().map(FileEntry::name).toList()).as("the same new files")
                .allMatch(written::containsKey);
        for (FileEntry file : local.files()) {
            if (file.name().endsWith(".liv") || file.name().equals(IdList.NAME)) {
                assertThat(written.get(file.name())).as(file.name()).isEqualTo(Files.readAllBytes(copy.resolve(file.name())));
            }
        }
        Hotcache carried = Hotcache.parse(written.get(Hotcache.NAME), "g2");
        Hotcache recomputed = Hotcache.parse(Files.readAllBytes(copy.resolve(Hotcache.NAME)), "copy");
        assertThat(carried.files().keySet()).isEqualTo(recomputed.files().keySet());
        for (String name : recomputed.files().keySet()) {
            if (name.startsWith("segments_")) {
                continue; // a commit's id is new in every commit
            }
            Hotcache.FileBlocks expected = recomputed.files().get(name);
            Hotcache.FileBlocks actual = carried.files().get(name);
            assertThat(actual.crcs()).as(name).isEqualTo(expected.crcs());
            assertThat(actual.pinned().keySet()).as(name).isEqualTo(expected.pinned().keySet());
            expected.pinned().forEach((block, bytes) -> assertThat(actual.pinned().get(block)).as(name + " block " + block).isEqualTo(bytes));
        }
    }

    @Test
    void aDamagedPageOfTheBaseFailsTheUpdateNamingItAndCommitsNothing() throws IOException {
        ObjectStore collection = FinalizerProtocolTest.copyOf(template, InMemoryObjectStore.create());
        ObjectStore g1 = generation(collection, "g1");
        IndexMetadata.CommittedPartition base = StoredJson.read(g1, IndexLayout.METADATA, IndexMetadata.class).partitions().getFirst();
        FileEntry hotcacheEntry = base.files().stream().filter(file -> file.name().equals(Hotcache.NAME)).findFirst().orElseThrow();
        Hotcache hotcache = Hotcache.read(g1, base.key(hotcacheEntry), hotcacheEntry, "g1");
        // Every block of the Lucene files that the hotcache does not pin is damaged; the id list (which the id check
        // reads whole against its footer) is not: the deletion's term lookups must find the damage in a page they fetch.
        for (FileEntry file : base.files()) {
            if (file.name().equals(Hotcache.NAME) || file.name().equals(IdList.NAME)) {
                continue;
            }
            byte[] bytes;
            try (ObjectStream stream = g1.get(base.key(file))) {
                bytes = stream.readAllRemaining();
            }
            Hotcache.FileBlocks blocks = hotcache.files().get(file.name());
            for (int block = 0; block < blocks.crcs().length; block++) {
                if (!blocks.pinned().containsKey(block)) {
                    bytes[block * hotcache.blockSize()] ^= 0x5a;
                }
            }
            g1.put(base.key(file), Payload.of(bytes));
        }

        assertThatThrownBy(() -> update(collection)).isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("does not match its checksum in the partition's hotcache");
        assertThat(generation(collection, "g2").list(IndexLayout.METADATA)).as("nothing committed").isEmpty();
    }

    private static Iterator<BytesRef> sortedIds() {
        return DELETED.stream().sorted().map(BytesRef::new).iterator();
    }
}
