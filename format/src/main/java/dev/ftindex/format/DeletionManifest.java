package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code staging/deletes/part_<n>.json}: the record that an attempt staged, for base partition
 * {@code n} of an update, a new commit of that partition with documents deleted (Lucene live docs:
 * a {@code segments_N} and {@code .liv} files) and the files that describe the partition anew (its
 * id list without the deleted ids, its hotcache). Written create-only after every file it lists
 * was uploaded under {@code staging/deletes/part_<n>/attempt_<aid>/}, so the first complete
 * attempt wins and every finalizer of the update plans with it; the base's own files are never
 * modified.
 *
 * @param basePartition the base partition's number {@code n}
 * @param base the committed index the update builds on
 * @param attempt the attempt whose files these are
 * @param fingerprint what was deleted: a hash of the partition's deleted ids in byte order, so a
 *     finalizer given other deletions refuses this one rather than commit it
 * @param deleted documents this commit deletes
 * @param deletedDocs documents deleted in the partition after it (earlier generations' deletions
 *     included)
 * @param files the files of the new commit and the rewritten ones, with size and footer checksum
 * @param dropped the base's files the partition no longer has (its older commit point, the files
 *     rewritten here)
 * @param createdAt when the manifest was written (ISO-8601), for people
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeletionManifest(String format, int formatVersion, int basePartition, BaseIndex base, String attempt, String fingerprint,
                               long deleted, long deletedDocs, List<FileEntry> files, List<String> dropped, String createdAt) {
    public static final String FORMAT = "ftindex-deletion-manifest";
    public static final int VERSION = 1;

    public DeletionManifest {
        Versions.check(FORMAT, VERSION, format, formatVersion);
        IndexLayout.checkPartitionNumber(basePartition);
        requireNonNull(base, "base is null");
        IndexLayout.checkAttempt(attempt);
        requireNonNull(fingerprint, "fingerprint is null");
        files = List.copyOf(requireNonNull(files, "files is null"));
        dropped = List.copyOf(requireNonNull(dropped, "dropped is null"));
        if (deleted < 1 || deletedDocs < deleted) {
            throw new IllegalArgumentException("a deletion deletes at least one document, and at most the partition's deleted documents");
        }
        for (FileEntry file : files) {
            IndexLayout.checkFileName(file.name());
        }
    }
}
