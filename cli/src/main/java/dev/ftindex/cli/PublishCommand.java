package dev.ftindex.cli;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex publish}: point a collection's alias at a generation. */
@Command(name = "publish",
        header = "point a collection's alias at a committed, verified generation (readers and servers switch to it)",
        customSynopsis = "ftindex publish --collection C --generation G [options]",
        description = {
            "Makes generation G the one readers of collection C use: `search`, `status` and `verify` on the",
            "collection, and `serve`, which swaps to it on its next poll. G must be committed, and every file its",
            "metadata.lance lists must exist with its size and footer checksum (one ranged read of each file's",
            "last 16 bytes; nothing is downloaded). The alias then moves with a create-only write of its next",
            "version, which names G as current and the old current as previous: of two publishers at once, exactly",
            "one wins and the other exits 5 naming the winner. Every version is kept: `status` shows the history.",
            "",
            "Exit 4: G is not committed yet. Exit 5: another publish won. Exit 6: a committed file is missing or",
            "does not match. Exit 75: the store failed transiently: retry (an ambiguous outcome is settled by",
            "reading the alias back)."},
        footer = {
            "  ftindex publish --collection s3://bucket/products --generation 2026-12-01",
            "  ftindex publish --collection ./products --generation g2 --result-file publish.json"})
final class PublishCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nPublish:%n", order = 10)
    Group publish = new Group();

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
        String generation = store.generation().orElseThrow(() -> new UsageException("--generation is required: the generation to publish"));
        return Publish.run(context, store, publish.concurrency, "publish", publisher -> publisher.publish(generation));
    }
}
