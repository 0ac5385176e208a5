package dev.ftindex.cli;

import dev.ftindex.format.CollectionStatus;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.IndexStatus;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex status}: what an index root holds, and what finalize would do with it. */
@Command(name = "status",
        header = "show whether an index root is committed, and what is staged or missing",
        customSynopsis = {"ftindex status --index URI [--expected-partitions N] [--json] [options]",
            "       ftindex status --collection C [--generation G] [--json] [options]"},
        description = {
            "Tells what an index root holds: committed or not, the index id, partitions, documents and bytes;",
            "before the commit, the staged partitions (id, attempt, documents, bytes), the expected count and",
            "the missing ids, whether a plan is frozen, partitions staged after it, orphan attempts (files no",
            "manifest refers to: failed, losing or zombie attempts; removed by the finalizer's cleanup), and",
            "what finalize would do now (the same decision finalize makes). On a collection: the current and previous",
            "generation, the history of the alias, the committed generations, and the generations being built with",
            "their staged and missing partitions. Text for people; --json for machines."},
        footer = {
            "  ftindex status --index s3://bucket/idx",
            "  ftindex status --index ./idx --expected-partitions 16 --json",
            "  ftindex status --collection s3://bucket/products"})
final class StatusCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nStatus:%n", order = 10)
    Group status = new Group();

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--expected-partitions", paramLabel = "N", description = "the partition count to check against (default: the workers')")
        Integer expectedPartitions;

        @Option(names = "--json", description = "print the JSON result instead of text")
        boolean json;
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) {
        try (Stores stores = store.open(context.environment())) {
            Target target = store.target(stores);
            context.console().root(target.store().location());
            if (target.collection() && target.generation().isEmpty()) {
                CollectionStatus.Report report = CollectionStatus.inspect(target.store());
                return new Outcome(Results.of("status", target.store().location(), report), ExitCode.OK,
                        status.json ? null : collectionText(report));
            }
            Target.Root root = target.root();
            IndexStatus.Report report = IndexStatus.inspect(root.store(), Optional.ofNullable(status.expectedPartitions));
            return new Outcome(Results.of("status", root, report), ExitCode.OK, status.json ? null : text(report));
        }
    }

    static String collectionText(CollectionStatus.Report report) {
        StringBuilder text = new StringBuilder();
        text.append("collection:  ").append(report.collection()).append('\n');
        if (report.current() == null) {
            text.append("alias:       nothing published yet (ftindex publish --collection ... --generation ID)\n");
        } else {
            text.append(String.format(Locale.ROOT, "current:     %s (index %s, %,d documents, %d partitions; alias version %d)%n",
                    report.current().generation(), report.current().indexId(), report.current().docs(), report.current().partitions(),
                    report.aliasVersion()));
            text.append("previous:    ").append(report.previous() == null ? "none" : report.previous().generation()).append('\n');
        }
        if (!report.history().isEmpty()) {
            text.append("\n  version  generation                 previous                   reason    at\n");
            for (CollectionStatus.Swap swap : report.history()) {
                text.append(String.format(Locale.ROOT, "  %7d  %-26s %-26s %-9s %s%n", swap.version(), swap.generation(),
                        swap.previous() == null ? "-" : swap.previous(), swap.reason().json(), swap.createdAt()));
            }
        }
        if (!report.generations().isEmpty()) {
            text.append("\n  committed generations:\n");
            for (CollectionStatus.Committed generation : report.generations()) {
                text.append(String.format(Locale.ROOT, "  %-26s %-9s %,12d documents %10s  committed %s%s%n", generation.generation(),
                        generation.role() == null ? "" : generation.role(), generation.docs(), Console.size(generation.bytes()),
                        generation.committedAt(), generation.deletedDocs() == null ? "" : String.format(Locale.ROOT,
                                "  (%,d deleted: %.1f%%)", generation.deletedDocs(), 100.0 * generation.deletedDocs() / Math.max(1, generation.docs()))));
            }
        }
        if (!report.condemned().isEmpty()) {
            text.append("\n  being deleted by gc:\n");
            for (dev.ftindex.format.AliasVersion.Condemned condemned : report.condemned()) {
                text.append(String.format(Locale.ROOT, "  %-26s claimed %s (run gc again to finish a deletion a crash stopped)%n",
                        condemned.generation(), condemned.claimedAt()));
            }
        }
        if (!report.building().isEmpty()) {
            text.append("\n  generations being built:\n");
            for (CollectionStatus.Building building : report.building()) {
                text.append(String.format(Locale.ROOT, "  %-26s %d partitions staged (%,d documents), expected %s%s; finalize: %s%n",
                        building.generation(), building.stagedPartitions(), building.stagedDocs(),
                        building.expectedPartitions() == null ? "unknown" : building.expectedPartitions(),
                        building.missing().isEmpty() ? "" : ", missing " + building.missing(), building.verdict().action().json()));
            }
        }
        return text.toString();
    }

    static String text(IndexStatus.Report report) {
        StringBuilder text = new StringBuilder();
        text.append("index root:  ").append(report.root()).append('\n');
        if (report.committed()) {
            text.append("state:       committed\n");
            text.append("index id:    ").append(report.contents().indexId()).append('\n');
            text.append(String.format(Locale.ROOT, "contents:    %d partitions, %,d documents, %s%n", report.contents().partitions(), report.contents().docs(),
                    Console.size(report.contents().bytes())));
            if (report.stagingObjects() > 0) {
                text.append(String.format(Locale.ROOT, "staging/:    %,d objects left (run finalize again to clean up)%n", report.stagingObjects()));
            }
            if (report.duplicateIds() != null) {
                text.append(String.format(Locale.ROOT, "duplicates:  %,d ids in more than one partition, %,d more than once inside a"
                        + " partition (committed with --allow-duplicate-ids: every record is indexed)%n",
                        report.duplicateIds().acrossPartitions(), report.duplicateIds().withinPartitions()));
            }
            if (report.deletions() != null) {
                text.append(String.format(Locale.ROOT, "deleted:     %,d documents (%.1f%% of the generation, at most %.1f%% of a partition):"
                        + " hidden from results, counted in the statistics until compact removes them (--expunge-deletes-above)%n",
                        report.deletions().deletedDocs(), 100 * report.deletions().share(), 100 * report.deletions().mostDeletedShare()));
            }
            if (report.base() != null || report.deletions() != null) {
                if (report.base() != null) {
                    text.append("appended to: ").append(report.base().describe()).append('\n');
                }
                text.append("\n  n  from                   documents    deleted\n");
                for (IndexStatus.PartitionOrigin partition : report.origins()) {
                    String from = partition.basePartition() != null ? "base partition " + partition.basePartition()
                            : "built (partition " + partition.partition() + ")";
                    long deleted = partition.deletedDocs() == null ? 0 : partition.deletedDocs();
                    text.append(String.format(Locale.ROOT, "  %d  %-22s %,10d %,10d%s%n", partition.n(), from, partition.docs(), deleted,
                            deleted == 0 ? "" : String.format(Locale.ROOT, " (%.1f%%)", 100.0 * deleted / Math.max(1, partition.docs()))));
                }
            }
            return text.toString();
        }
        text.append("state:       not committed\n");
        if (report.base() != null) {
            text.append("appending:   to ").append(report.base().describe()).append('\n');
        }
        text.append(String.format(Locale.ROOT, "staged:      %d partitions, %,d documents, %s%n", report.contents().partitions(), report.contents().docs(),
                Console.size(report.contents().bytes())));
        text.append("expected:    ").append(report.expectation().expectedPartitions() == null ? "unknown" : report.expectation().expectedPartitions() + " partitions")
                .append(report.expectation().expectedFrom() == null ? "" : " (from " + report.expectation().expectedFrom() + ")").append('\n');
        if (!report.expectation().missing().isEmpty()) {
            text.append("missing:     ").append(report.expectation().missing()).append('\n');
        }
        text.append("finalize:    ").append(report.verdict().action().json()).append(": ").append(report.verdict().message()).append('\n');
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
            for (IndexRoot.Orphan orphan : report.orphanAttempts()) {
                text.append(String.format(Locale.ROOT, "  partition %d attempt %s: %d files, %s, last written %s%n", orphan.partition(),
                        orphan.attempt(), orphan.files(), Console.size(orphan.bytes()), orphan.lastModified()));
            }
        }
        return text.toString();
    }
}
