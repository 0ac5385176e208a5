package dev.ftindex.search;

import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.WireEnum;
import java.util.Locale;

/**
 * How a reader gets at a committed generation's bytes: {@link #LAZY} reads the pages a query needs
 * where the files lie, through the {@link PageCache}; {@link #FULL} downloads and verifies every
 * file first (the right choice for small indexes and hosts that must not depend on the store after
 * opening). {@link #AUTO} is lazy for an {@code s3://} root whose partitions all have a hotcache,
 * full otherwise: a local root's files are read from disk either way, and a generation committed
 * before hotcaches existed can only be read in full.
 */
public enum FetchMode implements WireEnum {
    AUTO, LAZY, FULL;

    public static FetchMode parse(String text) {
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fetch mode must be auto, lazy or full, not '" + text + "'");
        }
    }

    /**
     * What this mode means for the generation {@code metadata} at {@code location}: {@link #LAZY} or {@link #FULL}.
     *
     * @throws IllegalArgumentException if lazy reading was asked for a generation without hotcaches
     */
    public FetchMode resolve(String location, IndexMetadata metadata) {
        boolean inPlace = CommittedIndex.readableInPlace(metadata);
        return switch (this) {
            case FULL -> FULL;
            case LAZY -> {
                if (!inPlace) {
                    throw new IllegalArgumentException("generation " + metadata.indexId() + " in " + location
                            + " was committed without hotcaches (by ftindex 0.1): it can only be read with --fetch full");
                }
                yield LAZY;
            }
            case AUTO -> inPlace && location.startsWith("s3://") ? LAZY : FULL;
        };
    }
}
