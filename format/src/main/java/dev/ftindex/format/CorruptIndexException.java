package dev.ftindex.format;

import dev.ftindex.objectstore.PreconditionFailedException;
import dev.ftindex.objectstore.RangedObject;
import java.util.List;

/**
 * Index files whose bytes are not what the plan or the metadata says: wrong size, wrong
 * checksum, missing. Every bad file is listed, not only the first. Nothing is overwritten or
 * skipped because of it; a person must look (exit code 6).
 */
public final class CorruptIndexException extends RuntimeException implements ErrorKind.Kinded {
    private final List<String> problems;

    public CorruptIndexException(String summary, List<String> problems) {
        super(summary + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /**
     * A committed file ({@code description}) whose object changed between two ranged reads of it:
     * the version the first read saw is gone, and a committed generation's files never change.
     */
    public static CorruptIndexException replacedWhileRead(String description, RangedObject object, PreconditionFailedException e) {
        return new CorruptIndexException(description + " was replaced in the store while this process read it (it was version "
                + object.version() + "): a committed generation's files never change", List.of(object + ": " + e.problem()));
    }

    /** One line per bad file, naming it. */
    public List<String> problems() {
        return problems;
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.CORRUPT;
    }
}
