package dev.ftindex.format;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How every failure is reported as JSON: a command's result on stdout ({@code verb}, {@code
 * status}, {@code exitCode}, {@code error}) and the body of an HTTP error ({@code status},
 * {@code error}). One shape, built here only.
 *
 * @param verb the command that failed; absent in an HTTP error
 * @param status always {@code failed}
 * @param exitCode the command's exit code; absent in an HTTP error
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FailureReport(String verb, String status, Integer exitCode, Error error) {
    private static final String FAILED = "failed";

    /**
     * @param problems one line per bad file: present for corrupt data only
     * @param missingPartitions the partition ids a finalize waits for: present (perhaps empty) for missing partitions only
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Error(ErrorKind kind, String message, List<String> problems, List<Long> missingPartitions) {}

    /** A command's failure: its kind decides the exit code; corrupt data lists its problems, missing partitions their ids. */
    public static FailureReport ofCommand(String verb, ErrorKind kind, Throwable failure) {
        List<String> problems = failure instanceof CorruptIndexException corrupt ? corrupt.problems() : null;
        List<Long> missing = failure instanceof PartitionsMissingException partitions ? partitions.missing() : null;
        return new FailureReport(verb, FAILED, kind.exitCode(), new Error(kind, String.valueOf(failure.getMessage()), problems, missing));
    }

    /** The body of an HTTP error. */
    public static FailureReport ofRequest(ErrorKind kind, String message) {
        return new FailureReport(null, FAILED, null, new Error(kind, message, null, null));
    }
}
