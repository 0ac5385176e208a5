package dev.ftindex.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LocalObjectStoreTest extends ObjectStoreContractTest {
    private Path root;

    @Override
    protected ObjectStore createStore() {
        root = temp.resolve("store");
        return ObjectStores.local(root);
    }

    @Test
    void keysAreFilesBelowTheRoot() throws IOException {
        store.put("staging/part_1/attempt_a/_0.cfs", Payload.of(bytes("data")));

        assertThat(Files.readString(root.resolve("staging/part_1/attempt_a/_0.cfs"))).isEqualTo("data");
        assertThat(store.location()).startsWith("file:///").endsWith("/store/");
    }

    @Test
    void temporaryFilesOfInterruptedWritesAreInvisible() throws IOException {
        store.put("dir/real", Payload.of(bytes("x")));
        // What a write killed between creating and renaming its temporary file leaves behind.
        Files.writeString(root.resolve("dir").resolve(Keys.TEMP_PREFIX + "crashed"), "partial");

        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("dir/real");
        assertThat(store.list("dir/")).extracting(ObjectInfo::key).containsExactly("dir/real");
        assertThatThrownBy(() -> store.head("dir/" + Keys.TEMP_PREFIX + "crashed")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesLeaveNoTemporaryFiles() throws IOException {
        store.put("a/b", Payload.of(bytes("1")));
        store.putIfAbsent("a/c", Payload.of(bytes("2")));
        assertThatThrownBy(() -> store.putIfAbsent("a/c", Payload.of(bytes("3")))).isInstanceOf(ObjectAlreadyExistsException.class);
        store.copy("a/b", "a/d", java.util.Optional.empty());

        try (Stream<Path> files = Files.list(root.resolve("a"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("b", "c", "d");
        }
    }

    @Test
    void deletePrunesDirectoriesItEmptied() {
        store.put("staging/part_1/attempt_a/f1", Payload.of(bytes("1")));
        store.put("staging/part_1/attempt_a/f2", Payload.of(bytes("2")));
        store.put("keep", Payload.of(bytes("k")));

        store.deleteAll(java.util.List.of("staging/part_1/attempt_a/f1", "staging/part_1/attempt_a/f2"));

        assertThat(Files.exists(root.resolve("staging"))).isFalse();
        assertThat(Files.exists(root)).isTrue();
        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("keep");
    }

    @Test
    void aMissingRootListsNothing() {
        ObjectStore missing = ObjectStores.local(temp.resolve("does/not/exist"));

        assertThat(missing.list("")).isEmpty();
        assertThatThrownBy(() -> missing.head("x")).isInstanceOf(ObjectNotFoundException.class);
    }

    @Test
    void aReadOnlyRootIsAPermanentFailure() throws IOException {
        Path readOnly = temp.resolve("ro");
        Files.createDirectories(readOnly);
        readOnly.toFile().setWritable(false);
        try {
            ObjectStore denied = ObjectStores.local(readOnly);
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(readOnly), "running as a user who can write anyway");
            assertThatThrownBy(() -> denied.put("x", Payload.of(bytes("1"))))
                    .isInstanceOf(PermanentStorageException.class)
                    .hasMessageContaining(readOnly.toString());
        } finally {
            readOnly.toFile().setWritable(true);
        }
    }

    @Test
    void aFullDiskIsATransientFailureThatLeavesNoPartialObject() throws Exception {
        java.util.Optional<dev.ftindex.objectstore.testing.Tmpfs> mounted = dev.ftindex.objectstore.testing.Tmpfs.mount(temp.resolve("small"), 256 * 1024);
        org.junit.jupiter.api.Assumptions.assumeTrue(mounted.isPresent(), "mounting a tmpfs needs root; skipped");
        try (dev.ftindex.objectstore.testing.Tmpfs small = mounted.get()) {
            ObjectStore full = ObjectStores.local(small.directory());
            full.put("fits", Payload.of(new byte[100 * 1024]));

            assertThatThrownBy(() -> full.put("too-big", Payload.of(new byte[400 * 1024])))
                    .isInstanceOf(TransientStorageException.class)
                    .hasMessageContaining(small.directory().toString())
                    .hasMessageContaining("too-big")
                    .hasMessageContaining("No space left on device");
            assertThat(full.list("")).extracting(ObjectInfo::key).containsExactly("fits");
            try (Stream<Path> files = Files.list(small.directory())) {
                assertThat(files).as("no temporary file left behind").hasSize(1);
            }
        }
    }
}
