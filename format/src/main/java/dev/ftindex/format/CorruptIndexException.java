package dev.ftindex.format;

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

    /** One line per bad file, naming it. */
    public List<String> problems() {
        return problems;
    }

    @Override
    public ErrorKind errorKind() {
        return ErrorKind.CORRUPT;
    }
}
