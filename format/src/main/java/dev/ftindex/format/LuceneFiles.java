package dev.ftindex.format;

import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Teeing;
import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.TransientStorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;

/**
 * Integrity checks on Lucene files. Every Lucene index file ends with a 16-byte footer: a magic
 * number, an algorithm id (0 = CRC32) and the CRC32 of every byte before the checksum itself.
 * The footer alone, read with one small ranged request, tells the checksum a file claims; reading
 * the whole file tells whether its bytes match it.
 */
public final class LuceneFiles {
    public static final int FOOTER_LENGTH = CodecUtil.footerLength();

    private LuceneFiles() {}

    /**
     * The checksum a footer records.
     *
     * @throws FormatException if the 16 bytes are not a Lucene footer
     */
    public static long footerChecksum(byte[] footer) {
        if (footer.length != FOOTER_LENGTH) {
            throw new FormatException("a Lucene footer has " + FOOTER_LENGTH + " bytes, got " + footer.length);
        }
        ByteBuffer buffer = ByteBuffer.wrap(footer);
        int magic = buffer.getInt();
        int algorithm = buffer.getInt();
        long checksum = buffer.getLong();
        if (magic != CodecUtil.FOOTER_MAGIC) {
            throw new FormatException("no Lucene footer at the end of the file (found 0x" + Integer.toHexString(magic)
                    + " where 0x" + Integer.toHexString(CodecUtil.FOOTER_MAGIC) + " belongs): truncated or not an index file");
        }
        if (algorithm != 0) {
            throw new FormatException("unknown checksum algorithm " + algorithm + " in the Lucene footer");
        }
        if ((checksum & 0xFFFFFFFF00000000L) != 0) {
            throw new FormatException("invalid checksum 0x" + Long.toHexString(checksum) + " in the Lucene footer");
        }
        return checksum;
    }

    /** The size and checksum of a file whose whole content was read and matched its footer. */
    public record Verified(long size, long checksum) {
        /**
         * How this file differs from what {@code authority} (say "the metadata") records, as
         * "size 12, the metadata says 13"; empty when size and checksum both match.
         */
        public Optional<String> differenceFrom(long expectedSize, long expectedChecksum, String authority) {
            return difference(size, checksum, expectedSize, expectedChecksum, authority);
        }
    }

    /**
     * The one comparison of a file's size and checksum with what {@code authority} records: "size
     * 12, the plan says 13" or "checksum 0a0b0c0d, the plan says ...", empty when both match.
     */
    public static Optional<String> difference(long size, long checksum, long expectedSize, long expectedChecksum, String authority) {
        if (size != expectedSize) {
            return Optional.of("size " + size + ", " + authority + " says " + expectedSize);
        }
        if (checksum != expectedChecksum) {
            return Optional.of("checksum " + hex(checksum) + ", " + authority + " says " + hex(expectedChecksum));
        }
        return Optional.empty();
    }

    /**
     * Checks a stored file's size and footer checksum against {@code expected} with one ranged read
     * of its last 16 bytes (which also tells the size), never reading the file: how the finalizer
     * checks its copies and a publish checks a generation.
     *
     * @return "key: problem", or empty when size and footer match
     */
    public static Optional<String> checkFooter(ObjectStore store, String key, FileEntry expected, String authority) {
        byte[] footer;
        long size;
        try (ObjectStream stream = store.get(key, ByteRange.suffix(FOOTER_LENGTH))) {
            footer = stream.readAllRemaining();
            size = stream.object().size();
        } catch (ObjectNotFoundException e) {
            return Optional.of(store.location() + key + ": missing");
        } catch (IOException e) {
            throw new TransientStorageException(store.location(), key, "read failed", e);
        }
        if (size != expected.size()) {
            return Optional.of(store.location() + key + ": size " + size + ", " + authority + " says " + expected.size());
        }
        try {
            return difference(size, footerChecksum(footer), expected.size(), expected.checksum(), authority)
                    .map(problem -> store.location() + key + ": " + problem);
        } catch (FormatException e) {
            return Optional.of(store.location() + key + ": " + e.getMessage());
        }
    }

    /**
     * Downloads {@code key} into the new file {@code target}, checking every byte against its
     * footer as it arrives and the whole against {@code expected}, and forces it to disk: how every
     * committed or checkpointed file reaches a local directory. A file that fails is left at
     * {@code target} for the caller to remove.
     *
     * @param stage counts the bytes as they arrive, and the file once it verified
     * @return "location+key: problem" (missing, corrupt, or not what {@code authority} says), or
     *     empty when the file verified
     */
    public static Optional<String> download(ObjectStore store, String key, FileEntry expected, Path target, Stage stage, String authority)
            throws IOException {
        Verified verified;
        try (ObjectStream object = store.get(key);
             FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             OutputStream out = Channels.newOutputStream(channel)) {
            verified = verify(new Teeing(object, out, stage));
            channel.force(true);
        } catch (ObjectNotFoundException e) {
            return Optional.of(store.location() + key + ": missing");
        } catch (FormatException e) {
            return Optional.of(store.location() + key + ": " + e.getMessage());
        }
        Optional<String> difference = verified.differenceFrom(expected.size(), expected.checksum(), authority);
        if (difference.isPresent()) {
            return difference.map(problem -> store.location() + key + ": " + problem);
        }
        stage.add(1, 0);
        return Optional.empty();
    }

    /** Whether a local file has {@code expected}'s size and footer checksum (the cache's reuse test). */
    public static boolean footerMatches(Path file, FileEntry expected) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) != expected.size()) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer footer = ByteBuffer.allocate(FOOTER_LENGTH);
            channel.read(footer, expected.size() - FOOTER_LENGTH);
            return difference(expected.size(), footerChecksum(footer.array()), expected.size(), expected.checksum(), "").isEmpty();
        } catch (FormatException e) {
            return false;
        }
    }

    /**
     * Reads the whole stream, computes the CRC32 of everything before the checksum, and compares
     * it with the footer.
     *
     * @throws FormatException if there is no valid footer or the content does not match it
     */
    public static Verified verify(InputStream in) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[256 * 1024];
        // The last 8 bytes seen are withheld from the CRC until more bytes arrive: the checksum
        // covers everything but itself. The last 16 bytes are the footer.
        byte[] last = new byte[FOOTER_LENGTH];
        int lastLength = 0;
        long size = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (n == 0) {
                continue;
            }
            size += n;
            int withheld = Math.min(8, lastLength);
            int total = withheld + n;
            int feed = Math.max(0, total - 8);
            // Feed the withheld bytes first, then the new ones, keeping the final 8 back.
            int fromWithheld = Math.min(withheld, feed);
            crc.update(last, lastLength - withheld, fromWithheld);
            int fromNew = feed - fromWithheld;
            crc.update(buffer, 0, fromNew);
            // Recompute the window of the last 16 bytes.
            byte[] window = new byte[FOOTER_LENGTH];
            int keepOld = Math.max(0, Math.min(lastLength, FOOTER_LENGTH - n));
            System.arraycopy(last, lastLength - keepOld, window, 0, keepOld);
            int takeNew = Math.min(n, FOOTER_LENGTH);
            System.arraycopy(buffer, n - takeNew, window, keepOld, takeNew);
            last = window;
            lastLength = keepOld + takeNew;
        }
        if (size < FOOTER_LENGTH) {
            throw new FormatException("file has " + size + " bytes, fewer than a Lucene footer");
        }
        long stored = footerChecksum(last);
        if (crc.getValue() != stored) {
            throw new FormatException("checksum mismatch: the footer says " + hex(stored) + ", the content gives " + hex(crc.getValue()));
        }
        return new Verified(size, stored);
    }

    /** Verifies a local Lucene file in full and returns its checksum. */
    public static Verified verify(Directory directory, String name) throws IOException {
        try (IndexInput input = directory.openInput(name, IOContext.READONCE)) {
            long checksum = CodecUtil.checksumEntireFile(input);
            return new Verified(input.length(), checksum);
        }
    }

    public static String hex(long checksum) {
        return String.format("%08x", checksum);
    }
}
