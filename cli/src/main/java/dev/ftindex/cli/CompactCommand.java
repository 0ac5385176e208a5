package dev.ftindex.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.finalizer.FinalizeResult;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Scope;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import dev.ftindex.worker.CompactionConfig;
import dev.ftindex.worker.Compactor;
import dev.ftindex.worker.WorkerResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex compact}: a committed index merged into fewer partitions, as a new index. */
@Command(name = "compact",
        header = "merge a committed index's partitions into fewer, as a new index with identical results",
        customSynopsis = {"ftindex compact --collection C --base G --generation G2 --partitions N [--partition I] [options]",
            "       (index roots: --index NEW --base OLD)"},
        description = {
            "Makes a new index whose partitions each merge a contiguous group of the base's (Lucene's addIndexes,",
            "then a force-merge): the same documents, the same statistics, bit-identical search results, fewer",
            "partitions for every query to visit. The base is only read; publish the new generation when it is",
            "committed.",
            "",
            "With --partition I this is one compaction worker (group I of N, staged like build-partition: run",
            "one per group, e.g. as an Indexed Job, then `ftindex finalize`). Without it, every group is merged",
            "here (--workers at a time) and the new index is finalized.",
            "",
            "Deleted documents (of updates: --upsert, --delete) are merged away: the new index answers as a fresh",
            "build of the surviving documents. --expunge-deletes-above SHARE rewrites only the partitions where",
            "more than SHARE of the documents are deleted, and keeps the others as they are."},
        footer = {
            "  ftindex compact --collection s3://bucket/products --base 2026-12-01 --generation 2026-12-01-c --partitions 2",
            "  JOB_COMPLETION_INDEX=0 ftindex compact --collection s3://bucket/products --base g1 --generation g1-c --partitions 4",
            "  ftindex compact --index ./compacted --base ./idx --partitions 1",
            "  ftindex compact --collection s3://bucket/products --base 2026-12-09 --generation 2026-12-09-x --expunge-deletes-above 0.2"})
final class CompactCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nCompaction:%n", order = 10)
    Group compaction = new Group();

    @Mixin
    PartitionOptions partition;

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--base", paramLabel = "G|URI", description = "the committed index to merge: a generation of --collection, or an"
                + " index root URI with --index")
        String base;

        @Option(names = "--partitions", paramLabel = "N", description = "partitions of the new index (1 to the base's count)")
        Integer partitions;

        @Option(names = "--partition", paramLabel = "I", description = "merge only group I (0..N-1) and stage it, as one worker of a"
                + " compaction")
        @Env({"FTINDEX_PARTITION", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CLOUD_RUN_TASK_INDEX"})
        Integer partition;

        @Option(names = "--workers", paramLabel = "W", description = "groups merged at once without --partition (default 2)")
        int workers = 2;

        @Option(names = "--expunge-deletes-above", paramLabel = "SHARE", description = "remove deleted documents (of updates) only where"
                + " they are many: keep the base's partitions, merge alone each whose deleted share is over SHARE (0 to 1, e.g. 0.2),"
                + " which expunges its deletions, and stage the others as they are. --partitions is then the base's count")
        Double expungeDeletesAbove;
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) {
        try (Stores stores = store.open(context.environment())) {
            if (compaction.expungeDeletesAbove != null) {
                // One group a base partition: the count is the base's.
                int basePartitions = new IndexRoot(stores.open(store.base(compaction.base, "--base"))).requireCommit().metadata()
                        .partitions().size();
                if (compaction.partitions != null && compaction.partitions != basePartitions) {
                    throw new UsageException("--expunge-deletes-above keeps the base's " + basePartitions + " partitions (each merged"
                            + " alone, or kept as it is): leave --partitions out");
                }
                compaction.partitions = basePartitions;
            }
            return run(context, stores);
        }
    }

    private Outcome run(Context context, Stores stores) {
        if (compaction.partitions == null) {
            throw new UsageException("--partitions is required: how many partitions the compacted index has");
        }
        if (compaction.workers < 1) {
            throw new UsageException("--workers must be positive");
        }
        List<CompactionConfig> configs = new ArrayList<>();
        try {
            if (compaction.partition != null) {
                configs.add(config(compaction.partition));
            } else {
                for (int group = 0; group < compaction.partitions; group++) {
                    configs.add(config(group));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        ObjectStore index = stores.open(store.index());
        ObjectStore base = stores.open(store.base(compaction.base, "--base"));
        context.console().root(index.location());
        if (compaction.partition != null) {
            Compactor compactor = new Compactor(index, base, configs.getFirst(), context.console().progress());
            context.console().scope(Scope.worker(compaction.partition, compactor.attempt()));
            WorkerResult result = compactor.run();
            report(context, result);
            return Outcome.json(Results.of("compact", index.location(), result));
        }
        List<Callable<WorkerResult>> runs = new ArrayList<>();
        for (CompactionConfig config : configs) {
            runs.add(() -> {
                WorkerResult result = new Compactor(index, base, config, context.console().progress()).run();
                report(context, result);
                return result;
            });
        }
        ExecutorService pool = Tasks.pool(Math.min(compaction.workers, configs.size()), "compact");
        List<WorkerResult> staged;
        try {
            staged = Tasks.runAll(pool, runs);
        } finally {
            pool.shutdownNow();
        }
        FinalizeResult committed = new Finalizer(index, FinalizerConfig.defaults().withExpectedPartitions(compaction.partitions),
                context.console().progress()).run();
        FinalizeResult.Contents contents = committed.index();
        context.console().info(String.format(Locale.ROOT, "%s index %s: %d partitions, %,d documents, %s", committed.status().json(),
                contents.indexId(), contents.partitions(), contents.docs(), Console.size(contents.bytes())));
        ObjectNode result = Results.of("compact", index.location(), committed);
        result.set("workers", Json.MAPPER.valueToTree(staged));
        return Outcome.json(result);
    }

    private CompactionConfig config(int group) {
        return new CompactionConfig(group, compaction.partitions, partition.segments(), partition.workDirectory(),
                partition.uploadConcurrency(), java.util.Optional.ofNullable(compaction.expungeDeletesAbove));
    }

    private static void report(Context context, WorkerResult result) {
        context.console().info(String.format(Locale.ROOT, "partition %d %s by attempt %s: %,d documents from %d partitions, %s (%.1f s)",
                result.partition(), result.status().json(), result.attempt(), result.docs(), result.input().files(),
                Console.size(result.bytes()), result.run().seconds()));
    }
}
