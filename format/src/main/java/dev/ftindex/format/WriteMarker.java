package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

/**
 * {@code staging/_write.json}: the one write (a Spark write, by its query id) whose partitions an
 * uncommitted index root may hold. Created create-only by the write's driver before any task
 * runs; a write finding another's marker refuses to stage next to it, unless told to replace it
 * (Spark's overwrite mode), which removes the other's uncommitted objects first. Every manifest
 * the write's tasks stage carries the same {@code writeId}, and its finalize commits only those.
 * Removed with {@code staging/} after the commit.
 *
 * @param writeId the write's id
 * @param description what wrote it, for people ("spark application ... query ...")
 */
public record WriteMarker(String format, int formatVersion, String writeId, String description, String createdAt) {
    public static final String FORMAT = "ftindex-write";
    public static final int VERSION = 1;

    public WriteMarker {
        Versions.check(FORMAT, VERSION, format, formatVersion);
        IndexLayout.checkAttempt(writeId);
        requireNonNull(description, "description is null");
        requireNonNull(createdAt, "createdAt is null");
    }
}
