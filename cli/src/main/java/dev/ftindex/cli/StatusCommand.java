package dev.ftindex.cli;

import dev.ftindex.cli.Options.Option;
import dev.ftindex.finalize.IndexStatus;
import dev.ftindex.storage.ObjectStore;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code ftindex status}: what an index root holds. */
final class StatusCommand implements Command {
    private final Options options = new Options("status", "--index URI [--expected-partitions N] [--json] [options]",
            """
            Tells what an index root holds: committed or not, the index id, partitions, documents and bytes;
            before the commit, the staged partitions (id, attempt, documents, bytes), the expected count and
            the missing ids, whether a plan is frozen, partitions staged after it, and orphan attempts (files
            no manifest refers to: failed, losing or zombie attempts; removed by the finalizer's cleanup).
            Text for people; --json for machines.
            """,
            """
              ftindex status --index s3://bucket/idx
              ftindex status --index ./idx --expected-partitions 16 --json
            """)
            .group("Status", List.of(
                    Option.value("expected-partitions", "N", "the partition count to check against (default: the workers')"),
                    Option.flag("json", "print the JSON result instead of text")))
            .group("Index root and S3", StoreOptions.OPTIONS)
            .group("Output", Cli.OUTPUT_OPTIONS);

    @Override
    public String name() {
        return "status";
    }

    @Override
    public String summary() {
        return "show whether an index root is committed, and what is staged or missing";
    }

    @Override
    public Options options() {
        return options;
    }

    @Override
    public Outcome run(Options.Parsed args, Context context) {
        Optional<Integer> expected = args.integer("expected-partitions");
        try (StoreOptions stores = new StoreOptions(args, context.environment())) {
            ObjectStore index = stores.open(StoreOptions.location(args.required("index")));
            IndexStatus.Report report = IndexStatus.inspect(index, expected);
            return new Outcome(Results.of(name(), index.location(), report), ExitCodes.OK, args.flag("json") ? null : text(report));
        }
    }

    static String text(IndexStatus.Report report) {
        StringBuilder text = new StringBuilder();
        text.append("index root:  ").append(report.root()).append('\n');
        if (report.committed()) {
            text.append("state:       committed\n");
            text.append("index id:    ").append(report.indexId()).append('\n');
            text.append(String.format(Locale.ROOT, "contents:    %d partitions, %,d documents, %s%n", report.partitions(), report.docs(),
                    Console.size(report.bytes())));
            if (report.stagingObjects() > 0) {
                text.append(String.format(Locale.ROOT, "staging/:    %,d objects left (run finalize again to clean up)%n", report.stagingObjects()));
            }
            return text.toString();
        }
        text.append("state:       not committed\n");
        text.append(String.format(Locale.ROOT, "staged:      %d partitions, %,d documents, %s%n", report.partitions(), report.docs(),
                Console.size(report.bytes())));
        text.append("expected:    ").append(report.expectedPartitions() == null ? "unknown" : report.expectedPartitions() + " partitions")
                .append(report.expectedFrom() == null ? "" : " (from " + report.expectedFrom() + ")").append('\n');
        if (!report.missing().isEmpty()) {
            text.append("missing:     ").append(report.missing()).append('\n');
        }
        text.append("plan:        ").append(report.plan() == null ? "not frozen"
                : "frozen as index " + report.plan().indexId() + " with " + report.plan().partitions() + " partitions").append('\n');
        if (!report.unplannedPartitions().isEmpty()) {
            text.append("unplanned:   ").append(report.unplannedPartitions()).append(" (staged after the plan was frozen; will not be committed)\n");
        }
        if (!report.staged().isEmpty()) {
            text.append("\n  partition  attempt                       documents        bytes\n");
            for (IndexStatus.StagedPartition partition : report.staged()) {
                text.append(String.format(Locale.ROOT, "  %9d  %-28s %10d %12s%n", partition.partition(), partition.attempt(),
                        partition.docs(), Console.size(partition.bytes())));
            }
        }
        if (!report.orphanAttempts().isEmpty()) {
            text.append("\n  orphan attempts (no manifest refers to them):\n");
            for (IndexStatus.Orphan orphan : report.orphanAttempts()) {
                text.append(String.format(Locale.ROOT, "  partition %d attempt %s: %d files, %s, last written %s%n", orphan.partition(),
                        orphan.attempt(), orphan.files(), Console.size(orphan.bytes()), orphan.lastModified()));
            }
        }
        return text.toString();
    }
}
