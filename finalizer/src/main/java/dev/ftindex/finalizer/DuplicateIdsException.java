package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.ErrorKind;

/**
 * The staged partitions share ids (or, for an append, hold ids of the base), and the finalizer
 * was not told to keep them: bad input (exit 3). Nothing was committed and no plan was frozen,
 * so the staging may be removed (a build that owns all of it does: {@link #stagingRemoved}), and
 * a run after fixing the input commits; until then the staged partitions still hold the copies.
 */
public final class DuplicateIdsException extends RuntimeException implements ErrorKind.Kinded {
    private final String found;
    private final long ids;
    private final boolean append;

    private DuplicateIdsException(String found, long ids, boolean append, String advice) {
        super(found + " (" + advice + ")");
        this.found = requireNonNull(found, "found is null");
        this.ids = ids;
        this.append = append;
    }

    /** @param found which ids, and where each is */
    static DuplicateIdsException of(String found, long ids, boolean append) {
        return new DuplicateIdsException(found, ids, append, append
                ? "an id must be unique in a generation: remove them from the new input, or pass --allow-duplicate-ids to index both;"
                        + " replacing a document of the base takes a full rebuild"
                : "an id must be unique in an index: is an input given twice, or does a directory hold a copy of a file? Nothing is"
                        + " committed, and the staged partitions hold the copies: remove the copies from the input and build again into a"
                        + " new index root, or delete this root's staging/ first; or finalize with --allow-duplicate-ids to index every copy");
    }

    /** The same refusal, once a build removed the staging it made ({@code root}/staging/), so that a rerun starts afresh. */
    public DuplicateIdsException stagingRemoved(String root) {
        DuplicateIdsException removed = new DuplicateIdsException(found, ids, append, (append ? "an id must be unique in a generation"
                : "an id must be unique in an index: is an input given twice, or does a directory hold a copy of a file?")
                + " Nothing is committed, and this build removed what it staged in " + root + "staging/: remove the copies from the"
                + " input and run the same build again, or add --allow-duplicate-ids to index every copy");
        removed.setStackTrace(getStackTrace());
        return removed;
    }

    /** How many distinct ids occur in more than one place. */
    public long ids() {
        return ids;
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.BAD_INPUT;
    }
}
