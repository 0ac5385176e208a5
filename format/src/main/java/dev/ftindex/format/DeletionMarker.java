package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

/**
 * {@code gc/<generation>.json}: garbage collection is about to delete a generation. Written
 * create-only before gc reads the alias for the last time; a publish reads it after moving the
 * alias. Each side writes first and reads second, so at least one sees the other: either gc sees
 * the alias naming the generation and keeps it, or the publish sees the marker and reports a
 * conflict instead of success (docs/PROTOCOL.md, "Garbage collection").
 *
 * @param token unique to the gc run that wrote it
 */
public record DeletionMarker(String format, int formatVersion, String generation, String token, String createdAt) {
    public static final String FORMAT = "ftindex-gc-marker";
    public static final int VERSION = 1;

    public DeletionMarker {
        Versions.check(FORMAT, VERSION, format, formatVersion);
        CollectionLayout.checkGeneration(generation);
        requireNonNull(token, "token is null");
        requireNonNull(createdAt, "createdAt is null");
    }
}
