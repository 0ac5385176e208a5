package dev.ftindex.format;

/** Where the partition count that a commit requires came from. */
public enum CountSource implements WireEnum {
    /** {@code --expected-partitions}. */
    FLAG,
    /** The count every worker was told, recorded in the manifests. */
    MANIFESTS,
    /** A frozen plan: it commits its partitions, whatever else is staged. */
    PLAN,
    /** Nothing states a count: what is staged is committed. */
    STAGED;
}
