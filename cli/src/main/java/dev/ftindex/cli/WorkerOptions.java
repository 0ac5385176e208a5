package dev.ftindex.cli;

import dev.ftindex.build.Assignment.SplitRules;
import dev.ftindex.build.WorkerConfig;
import dev.ftindex.cli.Options.Option;
import dev.ftindex.format.IndexSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Options shared by build-partition and build: how a partition is indexed. */
final class WorkerOptions {
    static final List<Option> INDEXING = List.of(
            Option.value("spec", "FILE", "the index spec (JSON): id field, typed fields, analyzers, BM25 parameters"
                    + " (default: id, and title and contents as text)"),
            Option.value("ram-buffer-mb", "MB", "Lucene's indexing buffer; a full buffer is flushed as a segment (default 256)"),
            Option.value("segments", "N", "segments per partition after the force-merge (default 1)"),
            Option.value("work-dir", "DIR", "where partitions are built locally (default: the system temp directory)")
                    .env("FTINDEX_WORK_DIR"),
            Option.value("upload-concurrency", "N", "files uploaded at once (default 4)"),
            Option.flag("skip-bad-records", "skip records that cannot be indexed and report how many and where,"
                    + " instead of failing with exit code 3"),
            Option.flag("allow-duplicate-ids", "index every record of an id that occurs more than once in a partition"
                    + " (and count them) instead of failing with exit code 3 naming them"),
            Option.value("min-split-mb", "MB", "smallest byte range an uncompressed input is cut into (default 8;"
                    + " every worker of a build must use the same)"),
            Option.value("max-split-mb", "MB", "largest byte range (default 256; same for every worker)"));

    private WorkerOptions() {}

    /** The indexing options on top of what the verb decided (spec, inputs, partition, threads). */
    static WorkerConfig config(Options.Parsed args, WorkerConfig.Builder builder, double defaultRamBufferMb) {
        return builder
                .ramBufferMb(args.decimal("ram-buffer-mb").orElse(defaultRamBufferMb))
                .segments(args.integer("segments", 1))
                .workDirectory(workDirectory(args))
                .uploadConcurrency(args.integer("upload-concurrency", 4))
                .skipBadRecords(args.flag("skip-bad-records"))
                .allowDuplicateIds(args.flag("allow-duplicate-ids"))
                .splitRules(splitRules(args))
                .build();
    }

    static IndexSpec spec(Options.Parsed args) {
        return args.optional("spec").map(file -> IndexSpec.read(Path.of(file))).orElseGet(IndexSpec::defaultSpec);
    }

    static SplitRules splitRules(Options.Parsed args) {
        long min = (long) (args.decimal("min-split-mb").orElse((double) (SplitRules.DEFAULT.minSplitBytes() >> 20)) * (1 << 20));
        long max = (long) (args.decimal("max-split-mb").orElse((double) (SplitRules.DEFAULT.maxSplitBytes() >> 20)) * (1 << 20));
        try {
            return new SplitRules(Math.max(1, min), Math.max(1, max));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--min-split-mb and --max-split-mb: " + e.getMessage());
        }
    }

    static Optional<Path> workDirectory(Options.Parsed args) {
        return args.optional("work-dir").map(Path::of);
    }

    /** The first of the variables that is set, as an integer. */
    static Optional<Integer> fromEnvironment(Map<String, String> environment, String... variables) {
        for (String variable : variables) {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                try {
                    return Optional.of(Integer.parseInt(value.strip()));
                } catch (NumberFormatException e) {
                    throw new UsageException(variable + " is not an integer: '" + value + "'");
                }
            }
        }
        return Optional.empty();
    }
}
