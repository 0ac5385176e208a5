package dev.ftindex.cli;

import dev.ftindex.format.progress.Scope;
import dev.ftindex.format.AppendBase;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.worker.CheckpointInterval;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import dev.ftindex.worker.WorkerResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex build-partition}: one worker. */
@Command(name = "build-partition",
        header = "worker: build one partition from its share of the input and stage it",
        customSynopsis = {"ftindex build-partition --index URI --input URI... [--partition N --partitions N] [options]",
            "       (a generation of a collection: --collection C --generation G instead of --index)"},
        description = {
            "Builds one partition of the index from this worker's share of the input and stages it under",
            "<index>/staging/. Run one per partition (a Kubernetes Indexed Job, an AWS Batch array job...), then",
            "`ftindex finalize`. Safe to retry: a partition that is already staged is left alone (exit 0); of two",
            "attempts running at once, the first to finish wins and the other removes its files (exit 0).",
            "",
            "With --partitions N, every worker is given the same --input list and takes its own share of it",
            "(compressed files whole, large uncompressed files in byte ranges). Without it, the worker indexes all",
            "of its --input: give each worker its own files.",
            "",
            "Checkpoints: every --checkpoint-every the worker commits its index locally, uploads the new segment",
            "files under the partition's staging area and records the exact input position. A worker that starts",
            "on the partition (a retry after a kill or a preemption) resumes from the newest checkpoint whose input,",
            "spec and settings match and whose files verify; any other is named in a warning and ignored. The",
            "default, auto, checkpoints every 5 minutes when the worker's share is 1 GiB or more."},
        footer = {
            "  ftindex build-partition --index s3://bucket/idx --spec spec.json --input s3://bucket/docs/ --partition 3 --partitions 8",
            "  JOB_COMPLETION_INDEX=3 FTINDEX_PARTITIONS=8 ftindex build-partition --index s3://bucket/idx --input s3://bucket/docs/*.jsonl.gz",
            "  ftindex build-partition --index ./idx --input part-7.jsonl --partition 7 --skip-bad-records"})
final class BuildPartitionCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nWorker:%n", order = 10)
    WorkerGroup worker = new WorkerGroup();

    @Mixin
    IndexingOptions indexing;

    @Mixin
    AppendOptions append;

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class WorkerGroup {
        @Option(names = "--input", paramLabel = "URI", arity = "1..*", description = "input JSON Lines (plain, gzip or zstd, recognised by"
                + " content): files, directories, globs, s3://bucket/key, s3://bucket/prefix/ or s3://bucket/docs/*.jsonl.gz")
        List<String> inputs = new ArrayList<>();

        @Option(names = "--partition", paramLabel = "N", description = "this worker's partition id, a non-negative integer")
        @Env({"FTINDEX_PARTITION", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CLOUD_RUN_TASK_INDEX"})
        Integer partition;

        @Option(names = "--partitions", paramLabel = "N", description = "the number of partitions the input is shared out to")
        @Env({"FTINDEX_PARTITIONS", "AWS_BATCH_JOB_ARRAY_SIZE", "CLOUD_RUN_TASK_COUNT"})
        Integer partitions;

        @Option(names = "--checkpoint-every", paramLabel = "DURATION", description = "how often to checkpoint (e.g. 5m), off, or auto:"
                + " every 5m when this worker's share is 1 GiB or more (default auto)")
        @Env("FTINDEX_CHECKPOINT_EVERY")
        String checkpointEvery = "auto";

        @Option(names = "--threads", paramLabel = "N", description = "indexing threads (default: the number of processors)")
        Integer threads;
    }

    static CheckpointInterval checkpointInterval(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> CheckpointInterval.AUTO;
            case "off", "never", "0" -> CheckpointInterval.OFF;
            default -> CheckpointInterval.every(Durations.parse("--checkpoint-every", text));
        };
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) {
        if (worker.inputs.isEmpty()) {
            throw new UsageException("--input is required");
        }
        if (worker.partition == null) {
            throw new UsageException("--partition is required (or set one of FTINDEX_PARTITION, JOB_COMPLETION_INDEX,"
                    + " AWS_BATCH_JOB_ARRAY_INDEX, CLOUD_RUN_TASK_INDEX)");
        }
        try (Stores stores = store.open(context.environment())) {
            AppendOptions.Roots roots = append.open(stores, store);
            ObjectStore index = roots.index();
            WorkerConfig config;
            try {
                config = indexing.config(WorkerConfig.builder(roots.spec(indexing, indexing.spec()), worker.inputs, worker.partition)
                        .partitions(Optional.ofNullable(worker.partitions))
                        .threads(worker.threads == null ? Runtime.getRuntime().availableProcessors() : worker.threads)
                        .checkpoints(checkpointInterval(worker.checkpointEvery))
                        .base(roots.base().map(AppendBase::index)), indexing.ramBufferMb());
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            context.console().root(index.location());
            Worker run = new Worker(index, config, stores.inputStores(), context.console().progress());
            context.console().scope(Scope.worker(config.partition(), run.attempt()));
            WorkerResult result = run.run();
            context.console().info(String.format(Locale.ROOT, "partition %d %s by attempt %s: %,d documents, %s in %d files (%.1f s)",
                    result.partition(), result.status().json(), result.attempt(), result.docs(), Console.size(result.bytes()),
                    result.staged().files(), result.run().seconds()));
            WorkerResult.Checkpoints checkpoints = result.checkpoints();
            if (checkpoints.resumed() != null) {
                context.console().info(String.format(Locale.ROOT, "resumed from checkpoint %d of attempt %s: %,d documents not indexed again"
                        + " (%,d indexed by this run)", checkpoints.resumed().sequence(), checkpoints.resumed().attempt(),
                        checkpoints.resumed().docs(), checkpoints.indexed()));
            }
            if (result.duplicates().ids() > 0) {
                context.console().warn(String.format(Locale.ROOT, "%,d ids occur more than once; every record of them was kept"
                        + " (--allow-duplicate-ids)", result.duplicates().ids()));
            }
            if (result.skipped().count() > 0) {
                context.console().warn(String.format(Locale.ROOT, "skipped %,d bad records, first at %s",
                        result.skipped().count(), result.skipped().first().isEmpty() ? "?" : result.skipped().first().getFirst()));
            }
            return Outcome.json(Results.of("build-partition", index.location(), result));
        }
    }
}
