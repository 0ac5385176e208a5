package dev.ftindex.cli;

import dev.ftindex.build.WorkDirectoryFullException;
import dev.ftindex.finalize.PartitionsMissingException;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.search.NotCommittedException;
import dev.ftindex.search.QuerySyntaxException;
import dev.ftindex.storage.CorruptObjectException;
import dev.ftindex.storage.PermanentStorageException;
import dev.ftindex.storage.TransientStorageException;

/**
 * The exit codes of every verb, and what an orchestrator should do with each (docs/PROTOCOL.md):
 * retry 75 and 1, wait and retry 4, fail fast on 2, 3, 5 and 6.
 */
final class ExitCodes {
    static final int OK = 0;
    static final int BUG = 1;
    static final int USAGE = 2;
    static final int BAD_INPUT = 3;
    static final int PARTITIONS_MISSING = 4;
    static final int CONFLICT = 5;
    static final int CORRUPT = 6;
    static final int TRANSIENT = 75;

    private ExitCodes() {}

    /** The exit code for a failure, and its name in the JSON result. */
    record Classified(int code, String kind) {}

    static Classified classify(Throwable e) {
        return switch (e) {
            case UsageException ignored -> new Classified(USAGE, "usage");
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
}
