package dev.ftindex.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;

/** The id list a worker writes beside a partition: every distinct id once, in byte order, checked end to end when read. */
class IdListTest {
    @Test
    void theListHoldsEveryDistinctIdInByteOrderAndIsAVerifiedLuceneFile() throws IOException {
        Random random = new Random(7);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            // Shared prefixes, non-ASCII, an empty suffix and one id twice.
            ids.add("collection/" + (random.nextInt(40)) + "/doc-" + i + (i % 97 == 0 ? "-é€" : ""));
        }
        ids.add(ids.get(17));
        ids.add("collection/");
        try (Directory directory = new ByteBuffersDirectory()) {
            index(directory, ids);
            long size;
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                size = IdList.write(directory, reader, "id");
            }
            LuceneFiles.Verified verified = LuceneFiles.verify(directory, IdList.NAME);
            assertThat(verified.size()).isEqualTo(size);
            byte[] bytes = bytes(directory);
            assertThat((double) bytes.length / ids.size()).as("front coding: bytes per id").isLessThan(12);

            TreeSet<BytesRef> expected = new TreeSet<>();
            ids.forEach(id -> expected.add(new BytesRef(id)));
            List<String> read = new ArrayList<>();
            try (IdList.Reader reader = IdList.read(new ByteArrayInputStream(bytes), "test", verified.checksum())) {
                assertThat(reader.idField()).isEqualTo("id");
                assertThat(reader.count()).isEqualTo(expected.size());
                for (BytesRef id = reader.next(); id != null; id = reader.next()) {
                    read.add(id.utf8ToString());
                }
            }
            assertThat(read).isEqualTo(expected.stream().map(BytesRef::utf8ToString).toList());

            byte[] damaged = bytes.clone();
            damaged[damaged.length / 2] ^= 0x10;
            assertThatThrownBy(() -> readAll(damaged, verified.checksum())).isInstanceOf(FormatException.class).hasMessageContaining("test");
            assertThatThrownBy(() -> readAll(bytes, verified.checksum() ^ 1)).isInstanceOf(FormatException.class)
                    .hasMessageContaining("the commit");
            byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 20);
            assertThatThrownBy(() -> readAll(truncated, verified.checksum())).isInstanceOf(FormatException.class);
        }
    }

    private static void readAll(byte[] bytes, long checksum) throws IOException {
        try (IdList.Reader reader = IdList.read(new ByteArrayInputStream(bytes), "test", checksum)) {
            while (reader.next() != null) {
                // Reading to the end checks the footer.
            }
        }
    }

    private static void index(Directory directory, List<String> ids) throws IOException {
        try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(new StandardAnalyzer()))) {
            for (String id : ids) {
                Document document = new Document();
                document.add(new StringField("id", id, Field.Store.NO));
                writer.addDocument(document);
            }
        }
    }

    private static byte[] bytes(Directory directory) throws IOException {
        try (IndexInput in = directory.openInput(IdList.NAME, IOContext.READONCE)) {
            byte[] bytes = new byte[(int) in.length()];
            in.readBytes(bytes, 0, bytes.length);
            return bytes;
        }
    }
}
