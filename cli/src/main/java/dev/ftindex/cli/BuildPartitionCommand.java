package dev.ftindex.cli;

import dev.ftindex.build.Worker;
import dev.ftindex.build.WorkerConfig;
import dev.ftindex.build.WorkerResult;
import dev.ftindex.cli.Options.Option;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.storage.ObjectStore;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code ftindex build-partition}: one worker. */
final class BuildPartitionCommand implements Command {
    static final String[] PARTITION_VARIABLES = {"FTINDEX_PARTITION", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CLOUD_RUN_TASK_INDEX"};
    static final String[] COUNT_VARIABLES = {"FTINDEX_PARTITIONS", "AWS_BATCH_JOB_ARRAY_SIZE", "CLOUD_RUN_TASK_COUNT"};

    private final Options options = new Options("build-partition", "--index URI --input URI... [--partition N --partitions N] [options]",
            """
            Builds one partition of the index from this worker's share of the input and stages it under
            <index>/staging/. Run one per partition (a Kubernetes Indexed Job, an AWS Batch array job...), then
            `ftindex finalize`. Safe to retry: a partition that is already staged is left alone (exit 0); of two
            attempts running at once, the first to finish wins and the other removes its files (exit 0).

            With --partitions N, every worker is given the same --input list and takes its own share of it
            (gzip files whole, large uncompressed files in byte ranges). Without it, the worker indexes all of
            its --input: give each worker its own files.
            """,
            """
              ftindex build-partition --index s3://bucket/idx --spec spec.json --input s3://bucket/docs/ --partition 3 --partitions 8
              JOB_COMPLETION_INDEX=3 FTINDEX_PARTITIONS=8 ftindex build-partition --index s3://bucket/idx --input s3://bucket/docs/*.jsonl.gz
              ftindex build-partition --index ./idx --input part-7.jsonl --partition 7 --skip-bad-records
            """)
            .group("Worker", List.of(
                    Option.value("input", "URI", "input JSON Lines (plain, gzip or zstd, recognised by content): files, directories, globs, s3://bucket/key,"
                            + " s3://bucket/prefix/ or s3://bucket/docs/*.jsonl.gz").many(),
                    Option.value("partition", "N", "this worker's partition id, a non-negative integer [env "
                            + String.join(", ", PARTITION_VARIABLES) + "]"),
                    Option.value("partitions", "N", "the number of partitions the input is shared out to [env "
                            + String.join(", ", COUNT_VARIABLES) + "]"),
                    Option.value("threads", "N", "indexing threads (default: the number of processors)")))
            .group("Indexing", WorkerOptions.INDEXING)
            .group("Index root and S3", StoreOptions.OPTIONS)
            .group("Output", Cli.OUTPUT_OPTIONS);

    @Override
    public String name() {
        return "build-partition";
    }

    @Override
    public String summary() {
        return "worker: build one partition from its share of the input and stage it";
    }

    @Override
    public Options options() {
        return options;
    }

    @Override
    public Outcome run(Options.Parsed args, Context context) {
        List<String> inputs = args.values("input");
        if (inputs.isEmpty()) {
            throw new UsageException("--input is required");
        }
        int partition = args.integer("partition")
                .or(() -> WorkerOptions.fromEnvironment(context.environment(), PARTITION_VARIABLES))
                .orElseThrow(() -> new UsageException("--partition is required (or set one of "
                        + String.join(", ", PARTITION_VARIABLES) + ")"));
        Optional<Integer> partitions = args.integer("partitions")
                .or(() -> WorkerOptions.fromEnvironment(context.environment(), COUNT_VARIABLES));
        IndexSpec spec = WorkerOptions.spec(args);
        WorkerConfig config;
        try {
            config = WorkerOptions.config(args, WorkerConfig.builder(spec, inputs, partition).partitions(partitions)
                    .threads(args.integer("threads", Runtime.getRuntime().availableProcessors())), 256.0);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try (StoreOptions stores = new StoreOptions(args, context.environment())) {
            ObjectStore index = stores.open(StoreOptions.location(args.required("index")));
            WorkerResult result = new Worker(index, config, stores.inputStores(), context.console().progress()).run();
            context.console().info(String.format(Locale.ROOT, "partition %d %s by attempt %s: %,d documents, %s in %d files (%.1f s)",
                    result.partition(), result.status(), result.attempt(), result.docs(), Console.size(result.bytes()),
                    result.files(), result.seconds()));
            if (result.duplicates().ids() > 0) {
                context.console().log(String.format(Locale.ROOT, "warning: %,d ids occur more than once; every record of them was kept"
                        + " (--allow-duplicate-ids)", result.duplicates().ids()));
            }
            if (result.skipped().count() > 0) {
                context.console().log(String.format(Locale.ROOT, "warning: skipped %,d bad records, first at %s",
                        result.skipped().count(), result.skipped().first().isEmpty() ? "?" : result.skipped().first().getFirst()));
            }
            return Outcome.json(Results.of(name(), index.location(), result));
        }
    }
}
