package dev.ftindex.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneFilesTest {
    @TempDir
    Path temp;

    @BeforeEach
    void buildIndex() throws IOException {
        try (Directory directory = FSDirectory.open(temp);
             IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(new StandardAnalyzer()))) {
            for (int i = 0; i < 500; i++) {
                Document document = new Document();
                document.add(new TextField("body", "document number " + i + " with some words", Field.Store.YES));
                writer.addDocument(document);
            }
            writer.commit();
        }
    }

    @Test
    void streamingVerificationAgreesWithLuceneForAnyReadSizes() throws IOException {
        try (Directory directory = FSDirectory.open(temp)) {
            for (String name : directory.listAll()) {
                if (name.equals(IndexWriter.WRITE_LOCK_NAME)) {
                    continue;
                }
                byte[] bytes = Files.readAllBytes(temp.resolve(name));
                LuceneFiles.Verified expected = LuceneFiles.verify(directory, name);
                for (long seed = 0; seed < 5; seed++) {
                    LuceneFiles.Verified streamed = LuceneFiles.verify(new ChoppyStream(bytes, seed));
                    assertThat(streamed).as(name).isEqualTo(expected);
                }
                byte[] footer = Arrays.copyOfRange(bytes, bytes.length - LuceneFiles.FOOTER_LENGTH, bytes.length);
                assertThat(LuceneFiles.footerChecksum(footer)).isEqualTo(expected.checksum());
            }
        }
    }

    @Test
    void aFlippedBitOrATruncationIsDetected() throws IOException {
        Path file;
        try (var files = Files.list(temp)) {
            file = files.filter(p -> !p.getFileName().toString().equals("write.lock"))
                    .max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(file);
        byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 0x10;

        assertThatThrownBy(() -> LuceneFiles.verify(new ByteArrayInputStream(flipped)))
                .isInstanceOf(FormatException.class).hasMessageContaining("checksum mismatch");
        assertThatThrownBy(() -> LuceneFiles.verify(new ByteArrayInputStream(Arrays.copyOf(bytes, bytes.length - 5))))
                .isInstanceOf(FormatException.class).hasMessageContaining("no Lucene footer");
        assertThatThrownBy(() -> LuceneFiles.verify(new ByteArrayInputStream(new byte[3])))
                .isInstanceOf(FormatException.class).hasMessageContaining("fewer than a Lucene footer");
    }

    /** Returns random short reads, as network streams do. */
    private static final class ChoppyStream extends FilterInputStream {
        private final Random random;

        ChoppyStream(byte[] bytes, long seed) {
            super(new ByteArrayInputStream(bytes));
            this.random = new Random(seed);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return in.read(buffer, offset, Math.max(1, Math.min(length, random.nextInt(40))));
        }
    }

}
