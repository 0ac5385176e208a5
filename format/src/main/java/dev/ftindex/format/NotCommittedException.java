package dev.ftindex.format;

/**
 * The index root has no {@code metadata.lance} (it was never finalized, or is the wrong root), or
 * a collection has no published generation yet. Waiting for the finalizer, or for a publish, may
 * help (exit code 4).
 */
public final class NotCommittedException extends RuntimeException implements ErrorKind.Kinded {
    public NotCommittedException(String root) {
        this(root + " is not a committed index (no metadata.lance): run `ftindex finalize`, and see `ftindex status` for what is staged",
                true);
    }

    private NotCommittedException(String message, boolean verbatim) {
        super(message);
    }

    /** A generation whose {@code metadata.lance} was deleted while a run read it: gc removed it. */
    public static NotCommittedException deleted(String root, String generation) {
        return new NotCommittedException(root + " is no longer committed: generation " + generation
                + " was deleted while this run read it (gc removes generations the alias does not name)", true);
    }

    /** The base of an append, deleted (by gc) while the append read it. */
    public static NotCommittedException baseDeleted(String root, String base) {
        return new NotCommittedException(root + " is no longer committed: the base of this append (" + base + ") was deleted while"
                + " its files were read; nothing was committed. Append to a generation that is kept (gc keeps the current and the"
                + " previous one), and rerun", true);
    }

    /** A collection whose alias does not exist yet. */
    public static NotCommittedException unpublished(String collection) {
        return new NotCommittedException(collection + " is a collection with no published generation yet: run `ftindex publish"
                + " --collection " + collection + " --generation ID` (see `ftindex status` for its generations)", true);
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.NOT_COMMITTED;
    }
}
