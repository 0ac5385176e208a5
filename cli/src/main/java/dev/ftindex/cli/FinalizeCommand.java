package dev.ftindex.cli;

import dev.ftindex.cli.Options.Option;
import dev.ftindex.finalize.FinalizeResult;
import dev.ftindex.finalize.Finalizer;
import dev.ftindex.finalize.FinalizerConfig;
import dev.ftindex.storage.ObjectStore;
import java.util.List;
import java.util.Locale;

/** {@code ftindex finalize}: commit what the workers staged. */
final class FinalizeCommand implements Command {
    private final Options options = new Options("finalize", "--index URI [--expected-partitions N] [options]",
            """
            Commits the staged partitions: freezes a plan, copies every staged file server-side to its final
            name, verifies sizes and checksums, writes metadata.lance last (create-only), then removes staging/.
            Retry it on any failure, and run it twice at once if you like: every run converges on the same
            committed index. A committed index makes it a cheap no-op (exit 0).

            Exit 4: partitions are missing (the missing ids are listed): wait for the workers, retry.
            Exit 5: conflict (different specs, a count mismatch): a person must look.
            Exit 6: corrupt data (never overwritten): a person must look.
            Exit 75: the store failed transiently: retry.
            """,
            """
              ftindex finalize --index s3://bucket/idx --expected-partitions 8
              ftindex finalize --index ./idx --progress json --result-file finalize.json
            """)
            .group("Finalizer", List.of(
                    Option.value("expected-partitions", "N", "how many partitions must be staged (default: the count the"
                            + " workers were given; without any, whatever is staged is committed)"),
                    Option.value("concurrency", "N", "server-side copies and checks in flight (default 16)")))
            .group("Index root and S3", StoreOptions.OPTIONS)
            .group("Output", Cli.OUTPUT_OPTIONS);

    @Override
    public String name() {
        return "finalize";
    }

    @Override
    public String summary() {
        return "commit the staged partitions (idempotent; safe to retry and to run concurrently)";
    }

    @Override
    public Options options() {
        return options;
    }

    @Override
    public Outcome run(Options.Parsed args, Context context) {
        FinalizerConfig config;
        try {
            config = FinalizerConfig.defaults()
                    .withExpectedPartitions(args.integer("expected-partitions").orElse(null))
                    .withConcurrency(args.integer("concurrency", 16));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try (StoreOptions stores = new StoreOptions(args, context.environment())) {
            ObjectStore index = stores.open(StoreOptions.location(args.required("index")));
            FinalizeResult result = new Finalizer(index, config, context.console().progress()).run();
            context.console().info(String.format(Locale.ROOT, "%s: index %s, %d partitions, %,d documents, %s (%.1f s, %d requests)",
                    result.status(), result.indexId(), result.partitions(), result.docs(), Console.size(result.bytes()),
                    result.seconds(), result.requests().total()));
            result.cleanup().failures().forEach(failure -> context.console().log("warning: cleanup: " + failure));
            return Outcome.json(Results.of(name(), index.location(), result));
        }
    }
}
