package dev.ftindex.cli;

import dev.ftindex.finalizer.GarbageCollector;
import dev.ftindex.objectstore.ObjectStore;
import java.time.Clock;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex gc}: remove generations and staging nobody needs. */
@Command(name = "gc",
        header = "remove old generations and abandoned builds of a collection (a dry run unless --delete)",
        customSynopsis = "ftindex gc --collection C [--grace 1h] [--keep N] [--remove-unpublished] [--delete] [options]",
        description = {
            "Lists every generation of the collection and decides what to remove: committed generations the alias",
            "named once and no longer names (superseded), and generations never committed whose newest object is",
            "older than the grace period (abandoned builds). Never removed: the current and the previous generation,",
            "anything with an object younger than the grace period (a build or finalize may be writing it: make the",
            "grace period longer than your longest build), a committed generation that was never published and is",
            "newer than the current one (it waits for its publish; before the first publish, every committed",
            "generation), and the --keep most recently committed of the rest. Never-published generations older",
            "than the current one are kept unless --remove-unpublished.",
            "",
            "With --delete, gc first claims what it removes in a new alias version (reason gc): a publish of a",
            "claimed generation is refused (exit 5), and a generation the alias names when gc claims is kept. It",
            "then deletes each generation metadata.lance first, so a crash part way leaves an uncommitted",
            "generation that the next run removes, and releases the claim in one more alias version. Staging that a",
            "kept generation's finalizer left behind is removed too. Without --delete nothing is removed: the",
            "report says what would be, with bytes. Safe to run while publishes, rollbacks and other gc runs go on."},
        footer = {
            "  ftindex gc --collection s3://bucket/products                    # what would be removed",
            "  ftindex gc --collection s3://bucket/products --keep 3 --delete"})
final class GcCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nGarbage collection:%n", order = 10)
    Group gc = new Group();

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--grace", paramLabel = "DURATION", description = "nothing with an object younger than this is removed (default 1h)")
        String grace = "1h";

        @Option(names = "--keep", paramLabel = "N", description = "also keep the N most recently committed other generations (default 0)")
        int keep;

        @Option(names = "--remove-unpublished",
                description = "also remove committed generations that were never published and are older than the current one")
        boolean removeUnpublished;

        @Option(names = "--delete", description = "remove what the report lists (without it, a dry run)")
        boolean delete;
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) {
        GarbageCollector.Options options;
        try {
            options = new GarbageCollector.Options(Durations.parse("--grace", gc.grace), gc.keep, gc.removeUnpublished, gc.delete);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (store.generation().isPresent()) {
            throw new UsageException("gc takes no --generation: it looks at every generation of --collection");
        }
        try (Stores stores = store.open(context.environment())) {
            ObjectStore collection = stores.open(store.collection());
            context.console().root(collection.location());
            GarbageCollector.Report report = new GarbageCollector(collection, options, Clock.systemUTC(), context.console().progress()).run();
            for (GarbageCollector.Generation generation : report.generations()) {
                context.console().info(String.format(Locale.ROOT, "%-26s %-52s %,8d objects %10s%s", generation.generation(),
                        generation.decision().description(), generation.objects(), Console.size(generation.bytes()),
                        generation.stagingLeftover() > 0 ? String.format(Locale.ROOT, " (+%d staging objects left by its finalizer, %s)",
                                generation.stagingLeftover(), Console.size(generation.stagingLeftoverBytes())) : ""));
            }
            context.console().info(String.format(Locale.ROOT, "%s %,d objects, %s%s", report.dryRun() ? "would remove" : "removed",
                    report.removableObjects(), Console.size(report.removableBytes()), report.dryRun() ? " (a dry run: add --delete)" : ""));
            return Outcome.json(Results.of("gc", collection.location(), report));
        }
    }
}
