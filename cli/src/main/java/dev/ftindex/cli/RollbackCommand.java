package dev.ftindex.cli;

import dev.ftindex.finalizer.Publisher;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex rollback}: publish the previous generation again. */
@Command(name = "rollback",
        header = "point a collection's alias back at its previous generation",
        customSynopsis = "ftindex rollback --collection C [options]",
        description = {
            "Publishes the generation the current alias version names as previous, with the same checks as",
            "`publish` (committed, every file's size and footer), as a new alias version whose reason is rollback.",
            "Rolling back twice returns to where you started. Exit 5 if there is nothing to roll back to, or if",
            "another publish moved the alias meanwhile (look at `ftindex status` before trying again)."},
        footer = {"  ftindex rollback --collection s3://bucket/products"})
final class RollbackCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nRollback:%n", order = 10)
    Group rollback = new Group();

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--concurrency", paramLabel = "N", description = "footer checks in flight (default 16)")
        int concurrency = 16;
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) {
        if (store.generation().isPresent()) {
            throw new UsageException("rollback takes no --generation: it publishes the previous one (use publish for a given generation)");
        }
        return Publish.run(context, store, rollback.concurrency, "rollback", Publisher::rollback);
    }
}
