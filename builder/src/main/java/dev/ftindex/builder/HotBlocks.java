package dev.ftindex.builder;

import dev.ftindex.format.Hotcache;
import java.io.IOException;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.BytesRef;

/**
 * Which blocks of a finished partition a reader touches before its first query and on the way
 * to any term: found by doing it (opening the partition through a directory that records every
 * read, seeking a term in every indexed field and reading every norm), not by knowing Lucene's
 * file formats, so a new codec records its own. What this records is what {@link Hotcache} pins.
 */
final class HotBlocks {
    private HotBlocks() {}

    /** The blocks of {@code directory}'s files read to open it, seek one term a field and read the norms. */
    static Map<String, BitSet> record(Directory directory, int blockSize) throws IOException {
        Map<String, BitSet> blocks = new ConcurrentHashMap<>();
        Directory recording = new FilterDirectory(directory) {
            @Override
            public IndexInput openInput(String name, IOContext context) throws IOException {
                return new RecordingInput(in.openInput(name, context), 0, blocks.computeIfAbsent(name, n -> new BitSet()), blockSize);
            }
        };
        try (DirectoryReader reader = DirectoryReader.open(recording)) {
            for (LeafReaderContext leaf : reader.leaves()) {
                touch(leaf.reader());
            }
        }
        return blocks;
    }

    private static void touch(LeafReader reader) throws IOException {
        for (FieldInfo field : reader.getFieldInfos()) {
            if (field.getIndexOptions() == IndexOptions.NONE) {
                continue;
            }
            Terms terms = reader.terms(field.name);
            if (terms != null) {
                TermsEnum iterator = terms.iterator();
                // A term in the middle of the alphabet walks the terms index from its root to a leaf block.
                iterator.seekCeil(new BytesRef("m"));
            }
            if (field.hasNorms()) {
                NumericDocValues norms = reader.getNormValues(field.name);
                while (norms != null && norms.nextDoc() != DocIdSetIterator.NO_MORE_DOCS) {
                    norms.longValue();
                }
            }
        }
    }

    /** An input that marks the blocks of its file it reads; slices and clones mark the same file's set. */
    private static final class RecordingInput extends IndexInput {
        private final IndexInput in;
        private final long base;
        private final BitSet blocks;
        private final int blockSize;

        RecordingInput(IndexInput in, long base, BitSet blocks, int blockSize) {
            super("recording(" + in + ")");
            this.in = in;
            this.base = base;
            this.blocks = blocks;
            this.blockSize = blockSize;
        }

        private void mark(long position, long length) {
            if (length <= 0) {
                return;
            }
            long first = (base + position) / blockSize;
            long last = (base + position + length - 1) / blockSize;
            synchronized (blocks) {
                blocks.set((int) first, (int) last + 1);
            }
        }

        @Override
        public byte readByte() throws IOException {
            mark(in.getFilePointer(), 1);
            return in.readByte();
        }

        @Override
        public void readBytes(byte[] b, int offset, int len) throws IOException {
            mark(in.getFilePointer(), len);
            in.readBytes(b, offset, len);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        @Override
        public long getFilePointer() {
            return in.getFilePointer();
        }

        @Override
        public void seek(long pos) throws IOException {
            in.seek(pos);
        }

        @Override
        public long length() {
            return in.length();
        }

        @Override
        public IndexInput slice(String description, long offset, long length) throws IOException {
            return new RecordingInput(in.slice(description, offset, length), base + offset, blocks, blockSize);
        }

        @Override
        public IndexInput clone() {
            return new RecordingInput(in.clone(), base, blocks, blockSize);
        }
    }
}
