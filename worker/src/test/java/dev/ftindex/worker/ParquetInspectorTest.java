package dev.ftindex.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.BadInputException;
import dev.ftindex.format.ErrorKind;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.TransientStorageException;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import dev.ftindex.worker.testing.ParquetFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code inspect} decides what a failure means as the build does: one translation ({@link ParquetSplits#opened}). */
class ParquetInspectorTest {
    @TempDir
    Path temp;

    @Test
    void aTransientStoreFailureReadingTheFooterIsRetryableAsInABuildAndADamagedFileIsBadInput() throws Exception {
        Path parquet = ParquetFiles.fromJsonLines(temp.resolve("docs.parquet"), TestDocuments.lines(0, 100, 3), 50, "snappy");
        ObjectStore store = InMemoryObjectStore.create();
        store.put("docs.parquet", Payload.of(parquet));
        long size = Files.size(parquet);

        InputFile sound = new InputFile.Stored(store, "docs.parquet", size);
        assertThat(ParquetInspector.inspect(sound, Optional.empty()).rows()).isEqualTo(100);

        // The first bytes (which tell the format) read fine; every read past them, the footer's, fails transiently.
        ObjectStore flaky = new DelegatingStore(store) {
            @Override
            public ObjectStream get(String key, ByteRange range) {
                if (range instanceof ByteRange.Span span && span.offset() > 0) {
                    throw new TransientStorageException(location(), key, "injected: 503 SlowDown", null);
                }
                return super.get(key, range);
            }
        };
        assertThatThrownBy(() -> ParquetInspector.inspect(new InputFile.Stored(flaky, "docs.parquet", size), Optional.empty()))
                .isInstanceOf(TransientStorageException.class)
                .satisfies(e -> assertThat(ErrorKind.of(e)).isEqualTo(ErrorKind.TRANSIENT));

        byte[] cut = Files.readAllBytes(parquet);
        store.put("cut.parquet", Payload.of(java.util.Arrays.copyOf(cut, cut.length - 20)));
        assertThatThrownBy(() -> ParquetInspector.inspect(new InputFile.Stored(store, "cut.parquet", cut.length - 20), Optional.empty()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("cut.parquet");
    }
}
