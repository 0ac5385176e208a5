package dev.ftindex.cli;

import dev.ftindex.finalizer.FinalizeResult;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.objectstore.ObjectStore;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex finalize}: commit what the workers staged. */
@Command(name = "finalize",
        header = "commit the staged partitions (idempotent; safe to retry and to run concurrently)",
        customSynopsis = {"ftindex finalize --index URI [--expected-partitions N] [options]",
            "       (a generation of a collection: --collection C --generation G instead of --index)"},
        description = {
            "Commits the staged partitions: freezes a plan, copies every staged file server-side to its final",
            "name, verifies sizes and checksums, writes metadata.lance last (create-only), then removes staging/.",
            "Retry it on any failure, and run it twice at once if you like: every run converges on the same",
            "committed index. A committed index makes it a cheap no-op (exit 0).",
            "",
            "Exit 4: partitions are missing (the missing ids are listed): wait for the workers, retry.",
            "Exit 5: conflict (different specs, a count mismatch): a person must look.",
            "Exit 6: corrupt data (never overwritten): a person must look.",
            "Exit 75: the store failed transiently: retry."},
        footer = {
            "  ftindex finalize --index s3://bucket/idx --expected-partitions 8",
            "  ftindex finalize --index ./idx --progress json --result-file finalize.json",
            "  ftindex finalize --collection s3://bucket/products --generation 2026-12-08 --base 2026-12-07 --upsert \\",
            "      --delete s3://bucket/nightly/removed-ids.txt.gz"})
final class FinalizeCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nFinalizer:%n", order = 10)
    Group finalizer = new Group();

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--expected-partitions", paramLabel = "N", description = "how many partitions must be staged (default: the count"
                + " the workers were given; without any, whatever is staged is committed)")
        Integer expectedPartitions;

        @Option(names = "--concurrency", paramLabel = "N", description = "server-side copies and checks in flight (default 16)")
        int concurrency = 16;

        @Option(names = "--allow-duplicate-ids", description = "with --base: commit new partitions whose ids the base (or another new"
                + " partition) holds too, indexing both and counting them, instead of failing with exit code 3 naming them")
        boolean allowDuplicateIds;
    }

    @Mixin
    AppendOptions append;

    @Mixin
    UpdateOptions update;

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) {
        FinalizerConfig config;
        try {
            config = FinalizerConfig.defaults().withExpectedPartitions(finalizer.expectedPartitions).withConcurrency(finalizer.concurrency)
                    .withAllowDuplicateIds(finalizer.allowDuplicateIds);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try (Stores stores = store.open(context.environment())) {
            AppendOptions.Roots roots = append.open(stores, store);
            ObjectStore index = roots.index();
            context.console().root(index.location());
            FinalizeResult result;
            try (UpdateOptions.Opened opened = update.open(roots.base().isPresent(), stores, context.console())) {
                result = new Finalizer(index, roots.base(), opened.update(), config, context.console().progress()).run();
            }
            UpdateOptions.tell(result, context.console());
            context.console().info(String.format(Locale.ROOT, "%s: index %s, %d partitions, %,d documents, %s (%.1f s, %d requests)",
                    result.status().json(), result.indexId(), result.index().partitions(), result.docs(),
                    Console.size(result.index().bytes()), result.run().seconds(), result.run().requests().total()));
            result.cleanup().failures().forEach(failure -> context.console().warn("cleanup: " + failure));
            return Outcome.json(Results.of("finalize", index.location(), result));
        }
    }
}
