package dev.ftindex.cli;

import dev.ftindex.builder.WorkDirectoryFullException;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.NotCommittedException;
import dev.ftindex.format.PartitionsMissingException;
import dev.ftindex.objectstore.CorruptObjectException;
import dev.ftindex.objectstore.PermanentStorageException;
import dev.ftindex.objectstore.TransientStorageException;
import dev.ftindex.search.QuerySyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * The exit codes of every verb, what they mean and what an orchestrator should do with each
 * (docs/PROTOCOL.md): retry 75 and 1, wait and retry 4, fail fast on 2, 3, 5 and 6. Written
 * once: the help of every verb lists them from here, and {@link #classify} maps every failure
 * to one.
 */
enum ExitCode {
    OK(0, "success"),
    USAGE(2, "usage or configuration"),
    BAD_INPUT(3, "bad input data"),
    PARTITIONS_MISSING(4, "partitions missing or not committed yet"),
    CONFLICT(5, "conflict"),
    CORRUPT(6, "corrupt data"),
    TRANSIENT(75, "transient storage failure (retry)"),
    BUG(1, "bug");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    int code() {
        return code;
    }

    /** The exit code of a failure, and its name in the JSON result. */
    record Classified(ExitCode exit, String kind) {}

    static Classified classify(Throwable e) {
        return switch (e) {
            case UsageException ignored -> new Classified(USAGE, "usage");
            case CommandLine.ParameterException ignored -> new Classified(USAGE, "usage");
            case IndexSpec.SpecException ignored -> new Classified(USAGE, "invalid-spec");
            case QuerySyntaxException ignored -> new Classified(USAGE, "invalid-query");
            case PermanentStorageException ignored -> new Classified(USAGE, "storage-configuration");
            case IllegalArgumentException ignored -> new Classified(USAGE, "usage");
            case BadInputException ignored -> new Classified(BAD_INPUT, "bad-input");
            case PartitionsMissingException ignored -> new Classified(PARTITIONS_MISSING, "partitions-missing");
            case NotCommittedException ignored -> new Classified(PARTITIONS_MISSING, "not-committed");
            case ConflictException ignored -> new Classified(CONFLICT, "conflict");
            case CorruptObjectException ignored -> new Classified(CORRUPT, "corrupt");
            case CorruptIndexException ignored -> new Classified(CORRUPT, "corrupt");
            case TransientStorageException ignored -> new Classified(TRANSIENT, "transient");
            case WorkDirectoryFullException ignored -> new Classified(TRANSIENT, "work-directory-full");
            default -> new Classified(BUG, "internal-error");
        };
    }

    /** The help's list: "0   success" per code, in the documented order. */
    static Map<String, String> helpList() {
        Map<String, String> list = new LinkedHashMap<>();
        for (ExitCode exit : values()) {
            list.put(String.valueOf(exit.code), exit.meaning);
        }
        return list;
    }

    /** One line: "0 success, 2 usage or configuration, ...". */
    static String summary() {
        StringBuilder text = new StringBuilder();
        for (ExitCode exit : values()) {
            if (!text.isEmpty()) {
                text.append(", ");
            }
            text.append(exit.code).append(' ').append(exit.meaning);
        }
        return text.toString();
    }
}
