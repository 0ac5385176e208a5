package dev.ftindex.format;

import java.util.List;

/**
 * Fewer partitions are staged than expected: some workers have not finished (or failed). Waiting
 * and retrying may help (exit code 4).
 */
public final class PartitionsMissingException extends RuntimeException implements ErrorKind.Kinded {
    private final int expected;
    private final int staged;
    private final List<Long> missing;

    public PartitionsMissingException(int expected, int staged, List<Long> missing) {
        super(staged + " of " + expected + " partitions are staged"
                + (missing.isEmpty() ? "" : "; missing partition ids: " + abbreviate(missing))
                + "; wait for the missing workers (or rerun them), then finalize again");
        this.expected = expected;
        this.staged = staged;
        this.missing = List.copyOf(missing);
    }

    /** Nothing at all is staged, and no count was given. */
    public PartitionsMissingException(String root) {
        super("no partition is staged under " + root + "staging/: run the workers first (or check the index root)");
        this.expected = 0;
        this.staged = 0;
        this.missing = List.of();
    }

    public int expected() {
        return expected;
    }

    public int staged() {
        return staged;
    }

    public List<Long> missing() {
        return missing;
    }

    private static String abbreviate(List<Long> ids) {
        if (ids.size() <= 50) {
            return ids.toString();
        }
        return ids.subList(0, 50) + " and " + (ids.size() - 50) + " more";
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.PARTITIONS_MISSING;
    }
}
