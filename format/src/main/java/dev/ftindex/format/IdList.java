package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiBits;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.InputStreamDataInput;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefBuilder;
import org.apache.lucene.util.StringHelper;

/**
 * The distinct ids of a partition in byte order ({@value #NAME}), written by the worker beside the
 * partition's Lucene files and staged, copied, listed and verified like them, so a finalizer can
 * check that the ids of new partitions are not in a base generation without opening an index:
 * it reads the lists of both sides as sorted streams and merges them ({@code finalizer.IdCheck}).
 *
 * <p>Layout: a Lucene codec header ({@value #CODEC}, version 1), the id field's name, the count,
 * then each id as the length of the prefix it shares with the one before, the length of the rest
 * and the rest (front coding: ids of one collection share long prefixes, so a list is a few bytes
 * per id), and a Lucene footer. The id field is indexed as one exact token per record, so the list
 * is that field's term dictionary read in order: no memory per document.
 */
public final class IdList {
    public static final String NAME = "ftindex.ids";
    static final String CODEC = "ftindex_ids";
    static final int VERSION = 1;

    private IdList() {}

    /**
     * Writes the list of {@code reader}'s distinct values of {@code idField} to {@code directory};
     * returns its size. Ids whose every document is deleted are left out: the list names the live
     * documents.
     */
    public static long write(Directory directory, IndexReader reader, String idField) throws IOException {
        Terms terms = MultiTerms.getTerms(reader, idField);
        if (terms == null) {
            return write(directory, idField, 0, Collections.emptyIterator());
        }
        Bits live = MultiBits.getLiveDocs(reader);
        long count = live == null ? countTerms(terms) : countLive(terms, live);
        TermsEnum term = terms.iterator();
        // The enum reuses its bytes: the next term is read only once the writer is done with the last.
        return write(directory, idField, count, new Iterator<>() {
            private BytesRef next;
            private boolean ahead;

            @Override
            public boolean hasNext() {
                if (!ahead) {
                    try {
                        do {
                            next = term.next();
                        } while (next != null && live != null && !alive(term, live));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    ahead = true;
                }
                return next != null;
            }

            @Override
            public BytesRef next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ahead = false;
                return next;
            }
        });
    }

    private static long countLive(Terms terms, Bits live) throws IOException {
        long count = 0;
        TermsEnum term = terms.iterator();
        while (term.next() != null) {
            if (alive(term, live)) {
                count++;
            }
        }
        return count;
    }

    /** Whether a document of the current term is live. */
    private static boolean alive(TermsEnum term, Bits live) throws IOException {
        PostingsEnum postings = term.postings(null, PostingsEnum.NONE);
        for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
            if (live.get(doc)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes {@code count} ids, given in byte order and distinct, as a list; returns its size. For
     * lists made without an index (benchmarks of the check, tests).
     *
     * @throws IllegalArgumentException if the ids are not strictly increasing or not {@code count}
     */
    public static long write(Directory directory, String idField, long count, Iterator<BytesRef> ids) throws IOException {
        try (IndexOutput out = directory.createOutput(NAME, IOContext.DEFAULT)) {
            CodecUtil.writeHeader(out, CODEC, VERSION);
            out.writeString(idField);
            out.writeVLong(count);
            BytesRefBuilder previous = new BytesRefBuilder();
            long written = 0;
            while (ids.hasNext()) {
                BytesRef id = ids.next();
                if (written > 0 && previous.get().compareTo(id) >= 0) {
                    throw new IllegalArgumentException("ids must be distinct and in byte order: " + id.utf8ToString() + " after "
                            + previous.get().utf8ToString());
                }
                int shared = StringHelper.bytesDifference(previous.get(), id);
                shared = shared < 0 ? Math.min(previous.length(), id.length) : shared;
                out.writeVInt(shared);
                out.writeVInt(id.length - shared);
                out.writeBytes(id.bytes, id.offset + shared, id.length - shared);
                previous.copyBytes(id);
                written++;
            }
            if (written != count) {
                throw new IllegalArgumentException(count + " ids announced, " + written + " given");
            }
            CodecUtil.writeFooter(out);
            return out.getFilePointer();
        }
    }

    private static long countTerms(Terms terms) throws IOException {
        long size = terms.size();
        if (size >= 0) {
            return size;
        }
        long count = 0;
        TermsEnum term = terms.iterator();
        while (term.next() != null) {
            count++;
        }
        return count;
    }

    /**
     * Reads a list as a stream, in order. The bytes are checked as they go: at the end, against the
     * footer and against {@code expectedChecksum} (what the manifest or commit records), so a list
     * read to its end was read intact.
     *
     * @param where the list's location, for errors
     */
    public static Reader read(InputStream in, String where, long expectedChecksum) throws IOException {
        return new Reader(in, where, expectedChecksum);
    }

    /** One list being read; {@link #next} gives each id once, in byte order, then {@code null}. */
    public static final class Reader implements Closeable {
        private final InputStream raw;
        private final CheckedInputStream checked;
        private final InputStreamDataInput data;
        private final String where;
        private final long expectedChecksum;
        private final String idField;
        private final long count;
        private final BytesRefBuilder current = new BytesRefBuilder();
        private long read;
        private boolean finished;

        private Reader(InputStream in, String where, long expectedChecksum) throws IOException {
            this.raw = requireNonNull(in, "in is null");
            this.where = requireNonNull(where, "where is null");
            this.expectedChecksum = expectedChecksum;
            this.checked = new CheckedInputStream(new BufferedInputStream(in, 64 * 1024), new CRC32());
            this.data = new InputStreamDataInput(checked);
            try {
                CodecUtil.checkHeader(data, CODEC, VERSION, VERSION);
                this.idField = data.readString();
                this.count = data.readVLong();
            } catch (IOException e) {
                throw new FormatException(where + " is not an id list: " + e.getMessage(), e);
            }
        }

        public String idField() {
            return idField;
        }

        public long count() {
            return count;
        }

        /** The next id (valid until the next call), or {@code null} after the last, once the checksum matched. */
        public BytesRef next() throws IOException {
            if (read == count) {
                if (!finished) {
                    checkFooter();
                    finished = true;
                }
                return null;
            }
            try {
                int shared = data.readVInt();
                int rest = data.readVInt();
                if (shared > current.length() || rest < 0) {
                    throw new FormatException(where + ": id " + read + " shares " + shared + " bytes with one of " + current.length());
                }
                current.setLength(shared);
                current.grow(shared + rest);
                data.readBytes(current.bytes(), shared, rest);
                current.setLength(shared + rest);
            } catch (IOException e) {
                throw new FormatException(where + " ends or breaks after " + read + " of its " + count + " ids: " + e.getMessage(), e);
            }
            read++;
            return current.get();
        }

        private void checkFooter() throws IOException {
            // Lucene writes its footer big-endian, unlike the rest of the file.
            int magic = CodecUtil.readBEInt(data);
            int algorithm = CodecUtil.readBEInt(data);
            long computed = checked.getChecksum().getValue();
            long stored = CodecUtil.readBELong(data);
            if (magic != CodecUtil.FOOTER_MAGIC || algorithm != 0) {
                throw new FormatException(where + " has no Lucene footer after its " + count + " ids");
            }
            if (computed != stored || stored != expectedChecksum) {
                throw new FormatException(String.format("%s is damaged: its bytes give checksum %08x, its footer says %08x and the"
                        + " commit %08x", where, computed, stored, expectedChecksum));
            }
        }

        @Override
        public void close() throws IOException {
            raw.close();
        }
    }
}
