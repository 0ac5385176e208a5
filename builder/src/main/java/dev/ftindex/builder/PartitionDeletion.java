package dev.ftindex.builder;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.Analyzers;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.Hotcache;
import dev.ftindex.format.IdList;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.LuceneFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.BytesRef;

/**
 * Deletes documents of a committed partition by id, as a new commit of it: Lucene's
 * {@code deleteDocuments} and {@code commit}, with merges off, so the partition's segments stay
 * as they are and the deletions are live-docs files ({@code .liv}) and a new {@code segments_N}.
 * The partition's id list and hotcache are written anew (the list without the deleted ids, the
 * hotcache over every file of the new commit). The directory is a local copy of the partition or
 * one that reads it where it lies and writes locally; the result names the files that are new or
 * rewritten and the ones the new commit no longer has.
 *
 * <p>What a reader then sees is what one Lucene index sees after the same {@code deleteDocuments}
 * calls: the deleted documents are gone from every result, and their terms still count in the
 * statistics until a merge removes them (a compaction, which rewrites the partition).
 */
public final class PartitionDeletion {
    private static final int BATCH = 1_024;

    private PartitionDeletion() {}

    /**
     * @param deleted documents this commit deleted
     * @param deletedDocs documents deleted in the partition after it
     * @param files the new and rewritten files, with size and footer checksum, by name
     * @param dropped the files of the partition before that the new commit does not have
     */
    public record Applied(long deleted, long deletedDocs, long maxDoc, List<FileEntry> files, List<String> dropped) {
        public Applied {
            files = List.copyOf(files);
            dropped = List.copyOf(dropped);
        }
    }

    /**
     * Deletes the documents whose id is in {@code ids} from the partition in {@code directory}.
     * The ids are in byte order and each is in the partition's id list; {@code ids} gives them
     * twice: once to delete, once to write the new id list (the old one less them, merged, so the
     * index is not read for it).
     *
     * @param carried the blocks of the partition's files as its hotcache has them, by name, or empty:
     *     the new hotcache takes unchanged files' checksums and pinned bytes from there rather than
     *     reading every byte of the partition
     * @throws IllegalStateException if no document is deleted, or an id is not in the list (a list
     *     that does not match its partition is damage)
     */
    public static Applied apply(Directory directory, IndexSpec spec, Supplier<Iterator<BytesRef>> ids,
                                Map<String, Hotcache.FileBlocks> carried) {
        requireNonNull(spec, "spec is null");
        try {
            Set<String> before = new HashSet<>(Arrays.asList(directory.listAll()));
            long deletedBefore;
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                deletedBefore = reader.numDeletedDocs();
            }
            IndexWriterConfig config = new IndexWriterConfig(Analyzers.forSpec(spec))
                    .setOpenMode(IndexWriterConfig.OpenMode.APPEND)
                    .setMergePolicy(NoMergePolicy.INSTANCE)
                    .setUseCompoundFile(true)
                    .setSimilarity(new BM25Similarity((float) spec.similarity().k1(), (float) spec.similarity().b()))
                    .setCommitOnClose(false);
            long deletedIds = 0;
            try (IndexWriter writer = new IndexWriter(directory, config)) {
                List<Term> batch = new ArrayList<>(BATCH);
                for (Iterator<BytesRef> each = ids.get(); each.hasNext(); deletedIds++) {
                    batch.add(new Term(spec.idField(), BytesRef.deepCopyOf(each.next())));
                    if (batch.size() == BATCH) {
                        writer.deleteDocuments(batch.toArray(Term[]::new));
                        batch.clear();
                    }
                }
                if (!batch.isEmpty()) {
                    writer.deleteDocuments(batch.toArray(Term[]::new));
                }
                writer.commit();
            }
            directory.deleteFile(IndexWriter.WRITE_LOCK_NAME);
            long deletedDocs;
            long maxDoc;
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                deletedDocs = reader.numDeletedDocs();
                maxDoc = reader.maxDoc();
            }
            // The id list and the hotcache describe the partition as it is now: written anew.
            deleteIfPresent(directory, Hotcache.NAME);
            writeIdList(directory, spec.idField(), ids, deletedIds);
            if (deletedDocs == deletedBefore) {
                throw new IllegalStateException("none of the ids to delete is in the partition, though its id list holds them");
            }
            List<String> names = new ArrayList<>(SegmentInfos.readLatestCommit(directory).files(true));
            names.add(IdList.NAME);
            Hotcache.write(directory, names, Hotcache.DEFAULT_BLOCK_SIZE, HotBlocks.record(directory, Hotcache.DEFAULT_BLOCK_SIZE), carried);
            names.add(Hotcache.NAME);
            names.sort(null);
            List<FileEntry> files = new ArrayList<>();
            for (String name : names) {
                if (!before.contains(name) || name.equals(IdList.NAME) || name.equals(Hotcache.NAME)) {
                    LuceneFiles.Verified verified = LuceneFiles.verify(directory, name);
                    files.add(new FileEntry(name, verified.size(), verified.checksum()));
                }
            }
            List<String> dropped = before.stream().filter(name -> !names.contains(name)).sorted().toList();
            return new Applied(deletedDocs - deletedBefore, deletedDocs, maxDoc, files, dropped);
        } catch (IOException e) {
            throw new UncheckedIOException("deleting documents of the partition failed: " + e.getMessage(), e);
        }
    }

    /** The partition's id list less the deleted ids: a merge of two sorted streams. */
    private static void writeIdList(Directory directory, String idField, Supplier<Iterator<BytesRef>> ids, long deletedIds)
            throws IOException {
        try (IndexInput old = directory.openInput(IdList.NAME, IOContext.READONCE)) {
            long checksum = CodecUtil.retrieveChecksum(old);
            old.seek(0);
            // The new list takes the name while the old one is read: an open input outlives its file's deletion.
            directory.deleteFile(IdList.NAME);
            try (IdList.Reader before = IdList.read(stream(old), old.toString(), checksum)) {
                Iterator<BytesRef> deleted = ids.get();
                IdList.write(directory, idField, before.count() - deletedIds, new Iterator<>() {
                    private BytesRef next = advance();
                    private BytesRef toDelete = deleted.hasNext() ? BytesRef.deepCopyOf(deleted.next()) : null;

                    private BytesRef advance() {
                        try {
                            BytesRef id = before.next();
                            // The reader reuses its buffer: the writer still holds the id it was given.
                            return id == null ? null : BytesRef.deepCopyOf(id);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }

                    @Override
                    public boolean hasNext() {
                        while (next != null && toDelete != null) {
                            int order = next.compareTo(toDelete);
                            if (order < 0) {
                                return true;
                            }
                            if (order > 0) {
                                throw new IllegalStateException("the id " + toDelete.utf8ToString() + " to delete is not in " + IdList.NAME);
                            }
                            next = advance();
                            toDelete = deleted.hasNext() ? BytesRef.deepCopyOf(deleted.next()) : null;
                        }
                        if (next == null && toDelete != null) {
                            throw new IllegalStateException("the id " + toDelete.utf8ToString() + " to delete is not in " + IdList.NAME);
                        }
                        return next != null;
                    }

                    @Override
                    public BytesRef next() {
                        if (!hasNext()) {
                            throw new java.util.NoSuchElementException();
                        }
                        BytesRef current = next;
                        next = advance();
                        return current;
                    }
                });
                before.next();
            }
        }
    }

    /** {@code in} from where it is to its end, as a stream. */
    private static InputStream stream(IndexInput in) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return in.getFilePointer() < in.length() ? in.readByte() & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                long left = in.length() - in.getFilePointer();
                if (left <= 0) {
                    return len == 0 ? 0 : -1;
                }
                int n = (int) Math.min(len, left);
                in.readBytes(b, off, n);
                return n;
            }
        };
    }

    private static void deleteIfPresent(Directory directory, String name) throws IOException {
        if (Arrays.asList(directory.listAll()).contains(name)) {
            directory.deleteFile(name);
        }
    }
}
