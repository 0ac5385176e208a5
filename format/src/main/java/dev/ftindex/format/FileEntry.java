package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

/**
 * One Lucene file of a partition: its name, its size, and the CRC32 its footer records
 * (which Lucene computed over every byte before it).
 */
public record FileEntry(String name, long size, long checksum) {
    public FileEntry {
        requireNonNull(name, "name is null");
        IndexLayout.checkFileName(name);
        if (size < LuceneFiles.FOOTER_LENGTH) {
            throw new IllegalArgumentException("file " + name + " is smaller than a Lucene footer: " + size + " bytes");
        }
        if (checksum < 0 || checksum > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("file " + name + " has an invalid CRC32: " + checksum);
        }
    }
}
