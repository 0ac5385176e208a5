package dev.ftindex.format.progress;

import dev.ftindex.format.WireEnum;

/** What a stage counts: shown in progress lines and {@code /health}, and compared as a type, never as a string. */
public enum Unit implements WireEnum {
    DOCS,
    FILES,
    OBJECTS,
    PARTITIONS,
    SEGMENTS,
    MANIFESTS,
    GENERATIONS,
    QUERIES
}
