package dev.ftindex.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.SupportsLocalFiles;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.search.testing.TestIndexes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A local root is opened where it lies: nothing is copied, and its files' footers are checked first. */
class InPlaceTest {
    @TempDir
    Path temp;

    @Test
    void aLocalRootIsSearchedWithoutACopyAndADamagedFooterFailsTheOpenNamingTheFile() throws Exception {
        Path root = temp.resolve("index");
        ObjectStore store = ObjectStores.local(root);
        Path input = TestDocuments.write(temp.resolve("docs.jsonl"), TestDocuments.lines(0, 2_000, 5));
        TestIndexes.build(store, TestDocuments.spec(), input, 2, temp);
        Path cache = temp.resolve("cache");

        SearchResult fromCopy;
        try (ObjectStore remoteLike = new DelegatingStore(store) {}; // the same files, without the local ability: copied
             CommittedIndex copied = CommittedIndex.open(remoteLike, temp.resolve("copy-cache"), 2, Progress.silent())) {
            fromCopy = copied.search("index", 20);
        }
        try (CommittedIndex inPlace = CommittedIndex.open(store, cache, 2, Progress.silent())) {
            assertThat(inPlace.search("index", 20).hits()).isEqualTo(fromCopy.hits());
        }
        assertThat(!Files.exists(cache) || isEmpty(cache)).as("nothing copied into " + cache).isTrue();
        assertThat(ObjectStores.prefixed(store, "part_0/")).isInstanceOf(SupportsLocalFiles.class);

        IndexMetadata metadata = CommittedIndex.readMetadata(store);
        FileEntry victim = metadata.partitions().get(1).files().stream().max(Comparator.comparingLong(FileEntry::size)).orElseThrow();
        Path file = ((SupportsLocalFiles) store).localFile(metadata.partitions().get(1).key(victim));
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 0x01; // the footer's checksum
        Files.write(file, bytes);
        assertThatThrownBy(() -> CommittedIndex.open(store, cache, 2, Progress.silent()))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining(metadata.partitions().get(1).key(victim));
    }

    private static boolean isEmpty(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.findAny().isEmpty();
        }
    }
}
