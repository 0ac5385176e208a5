package dev.ftindex.worker;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.BadInputException;
import dev.ftindex.format.DocumentFields;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IdList;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.StoreLocation;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Function;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.OfflineSorter;

/**
 * The ids an update deletes ({@code --delete FILE}): one id a line, plain, gzip or zstd
 * (recognised by content), local or on S3, any order. Read once as a stream and sorted on disk
 * (Lucene's {@code OfflineSorter}: memory bounded whatever the file's size), then written as an
 * {@link IdList}, distinct and in byte order, which the finalizer merges against the base's id
 * lists as it merges every other list. Blank lines and repeated ids are counted and passed over; a
 * line that cannot be an id (longer than an id may be, or not UTF-8) is bad input naming the file
 * and line (exit 3).
 */
public final class DeleteList {
    /** What a delete file held once read. */
    public record Sorted(Path list, FileEntry file, String source, long lines, long blank, long repeated, long ids, String fingerprint) {
        public Sorted {
            requireNonNull(list, "list is null");
            requireNonNull(file, "file is null");
        }
    }

    private DeleteList() {}

    /**
     * Reads {@code argument} (a file, or a directory or {@code s3://} prefix of files: every file
     * in it but hidden ones and those starting with {@code _}, as Spark writes a DataFrame's text)
     * into one sorted list under {@code work}.
     *
     * @param s3Stores opens a store for an S3 bucket root
     * @throws BadInputException naming the file and line of a line that is not an id
     * @throws IllegalArgumentException if nothing is at {@code argument}
     */
    public static Sorted read(String argument, Path work, Function<StoreLocation.S3, ObjectStore> s3Stores) {
        List<InputFile> files = Inputs.resolve(argument, s3Stores, name -> !name.startsWith("_") && !name.endsWith(".crc"));
        String source = files.size() == 1 ? files.getFirst().name() : argument + " (" + files.size() + " files)";
        try {
            Files.createDirectories(work);
            try (FSDirectory directory = FSDirectory.open(work)) {
                long[] counts = new long[2];
                String unsorted = "deletes-unsorted";
                try (IndexOutput out = directory.createOutput(unsorted, IOContext.DEFAULT);
                     OfflineSorter.ByteSequencesWriter writer = new OfflineSorter.ByteSequencesWriter(out)) {
                    for (InputFile file : files) {
                        add(file, writer, counts);
                    }
                    CodecUtil.writeFooter(out);
                }
                long lines = counts[0];
                long blank = counts[1];
                String sorted = new OfflineSorter(directory, "deletes-sort").sort(unsorted);
                directory.deleteFile(unsorted);
                long distinct = countDistinct(directory, sorted);
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                IdList.write(directory, "id", distinct, new Distinct(directory, sorted, digest));
                directory.deleteFile(sorted);
                Path list = work.resolve(IdList.NAME);
                LuceneFiles.Verified verified = LuceneFiles.verify(directory, IdList.NAME);
                return new Sorted(list, new FileEntry(IdList.NAME, verified.size(), verified.checksum()), source, lines, blank,
                        lines - blank - distinct, distinct, "sha256:" + HexFormat.of().formatHex(digest.digest()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the delete list " + source + " failed: " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the ids of one file to the sorter; {@code counts}: lines and blank lines so far. */
    private static void add(InputFile file, OfflineSorter.ByteSequencesWriter writer, long[] counts) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        if (file.size() == 0) {
            return;
        }
        long lines = 0;
        try (Lines in = new Lines(decoded(file))) {
            while (in.next()) {
                lines++;
                counts[0]++;
                String line;
                try {
                    line = in.decode(utf8);
                } catch (CharacterCodingException e) {
                    throw new BadInputException(file.name() + ":" + lines + ": not UTF-8 text: one id a line");
                }
                String id = line.strip();
                if (id.isEmpty()) {
                    counts[1]++;
                    continue;
                }
                if (id.length() > DocumentFields.MAX_ID_LENGTH) {
                    throw new BadInputException(file.name() + ":" + lines + ": " + id.length() + " characters: longer than an id may be ("
                            + DocumentFields.MAX_ID_LENGTH + "); a delete file holds one id a line");
                }
                Optional<String> problem = notAnId(id);
                if (problem.isPresent()) {
                    throw new BadInputException(file.name() + ":" + lines + ": " + problem.get()
                            + "; a delete file holds one bare id a line (the value of the id field, e.g. doc-17)");
                }
                writer.write(new BytesRef(id));
            }
        }
    }

    /**
     * Why a line is not an id but a value of another type: a JSON record or array, or a quoted
     * JSON string (the ids would never match). Ids that look like that are refused with them; the
     * price of catching a wrong export before it deletes nothing.
     */
    static Optional<String> notAnId(String line) {
        char first = line.charAt(0);
        char last = line.charAt(line.length() - 1);
        if ((first == '{' && last == '}') || (first == '[' && last == ']')) {
            return Optional.of("a JSON " + (first == '{' ? "record" : "array") + ", not an id");
        }
        if (line.length() > 1 && first == '"' && last == '"') {
            return Optional.of("a quoted JSON string, not a bare id");
        }
        return Optional.empty();
    }

    private static InputStream decoded(InputFile file) throws IOException {
        byte[] head = new byte[(int) Math.min(InputFormat.MAGIC_LENGTH, file.size())];
        file.readRange(0, head.length).get(head);
        InputFormat format = InputFormat.of(head, head.length);
        if (format == InputFormat.PARQUET || !format.readable()) {
            throw format.unsupported(file.name(), head, head.length);
        }
        return format.decode(file.openFrom(0), file.name(), head, head.length);
    }

    /**
     * The lines of a stream as bytes, decoded one at a time: a line that is not UTF-8 is named by
     * its own number (a reader that decodes ahead would blame an earlier one).
     */
    private static final class Lines implements AutoCloseable {
        private final InputStream in;
        private byte[] line = new byte[256];
        private int length;

        Lines(InputStream in) {
            this.in = new BufferedInputStream(in, 1 << 16);
        }

        /** Reads the next line (without its end, {@code \n} or {@code \r\n}); false at the end of the stream. */
        boolean next() throws IOException {
            length = 0;
            int b = in.read();
            if (b < 0) {
                return false;
            }
            while (b >= 0 && b != '\n') {
                if (length == line.length) {
                    line = Arrays.copyOf(line, line.length * 2);
                }
                line[length++] = (byte) b;
                b = in.read();
            }
            if (length > 0 && line[length - 1] == '\r') {
                length--;
            }
            return true;
        }

        String decode(CharsetDecoder utf8) throws CharacterCodingException {
            return utf8.decode(ByteBuffer.wrap(line, 0, length)).toString();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** How many distinct ids a sorted file holds. */
    private static long countDistinct(FSDirectory directory, String sorted) throws IOException {
        long distinct = 0;
        try (ChecksumIndexInput in = directory.openChecksumInput(sorted);
             OfflineSorter.ByteSequencesReader reader = new OfflineSorter.ByteSequencesReader(in, sorted)) {
            BytesRef previous = null;
            for (BytesRef id = reader.next(); id != null; id = reader.next()) {
                if (previous == null || !previous.bytesEquals(id)) {
                    distinct++;
                    previous = BytesRef.deepCopyOf(id);
                }
            }
        }
        return distinct;
    }

    /** The distinct ids of a sorted file, each once, hashed as they go. */
    private static final class Distinct implements Iterator<BytesRef>, AutoCloseable {
        private final ChecksumIndexInput in;
        private final OfflineSorter.ByteSequencesReader reader;
        private final MessageDigest digest;
        private BytesRef previous;
        private BytesRef next;

        Distinct(FSDirectory directory, String sorted, MessageDigest digest) throws IOException {
            this.in = directory.openChecksumInput(sorted);
            this.reader = new OfflineSorter.ByteSequencesReader(in, sorted);
            this.digest = digest;
            advance();
        }

        private void advance() {
            try {
                for (BytesRef id = reader.next(); id != null; id = reader.next()) {
                    if (previous == null || !previous.bytesEquals(id)) {
                        next = BytesRef.deepCopyOf(id);
                        previous = next;
                        digest.update(next.bytes, next.offset, next.length);
                        digest.update((byte) '\n');
                        return;
                    }
                }
                next = null;
                close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public BytesRef next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            BytesRef current = next;
            advance();
            return current;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
