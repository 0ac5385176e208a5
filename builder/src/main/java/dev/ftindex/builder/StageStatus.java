package dev.ftindex.builder;

import dev.ftindex.format.WireEnum;

/** How staging a partition ended, for a worker or a Spark task; all three mean the partition is staged. */
public enum StageStatus implements WireEnum {
    /** This attempt staged the partition. */
    STAGED,
    /** An earlier attempt had; nothing was done. */
    ALREADY_STAGED,
    /** Another attempt finished first, and this one removed its own files. */
    LOST_RACE;
}
