package dev.ftindex.cli;

import dev.ftindex.cli.Options.Option;
import dev.ftindex.search.IndexVerifier;
import dev.ftindex.storage.ObjectStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code ftindex verify}: check every committed file in full. */
final class VerifyCommand implements Command {
    private final Options options = new Options("verify", "--index URI [--deep] [options]",
            """
            Reads every committed file in full and checks its CRC32 against its Lucene footer and against
            metadata.lance; with --deep, also fetches each partition and runs Lucene's CheckIndex on it.
            Reports every bad file, not only the first. Exit 6 when anything is wrong.
            """,
            """
              ftindex verify --index s3://bucket/idx
              ftindex verify --index ./idx --deep
            """)
            .group("Verify", List.of(
                    Option.flag("deep", "also run Lucene's CheckIndex on every partition"),
                    Option.value("concurrency", "N", "files checked at once (default 8)"),
                    Option.value("work-dir", "DIR", "where --deep fetches partitions (default: the system temp directory)")))
            .group("Index root and S3", StoreOptions.OPTIONS)
            .group("Output", Cli.OUTPUT_OPTIONS);

    @Override
    public String name() {
        return "verify";
    }

    @Override
    public String summary() {
        return "check every committed file in full (and with --deep, Lucene's CheckIndex)";
    }

    @Override
    public Options options() {
        return options;
    }

    @Override
    public Outcome run(Options.Parsed args, Context context) {
        Path scratch = args.optional("work-dir").map(Path::of).orElse(Path.of(System.getProperty("java.io.tmpdir")));
        try (StoreOptions stores = new StoreOptions(args, context.environment())) {
            ObjectStore index = stores.open(StoreOptions.location(args.required("index")));
            IndexVerifier.Result result = new IndexVerifier(index, args.integer("concurrency", 8), context.console().progress())
                    .verify(args.flag("deep"), scratch);
            if (result.ok()) {
                context.console().info(String.format(Locale.ROOT, "index %s is sound: %d files, %s checked%s", result.indexId(), result.files(),
                        Console.size(result.bytes()), result.deep() ? " (and CheckIndex on every partition)" : ""));
            } else {
                result.problems().forEach(problem -> context.console().log("corrupt: " + problem));
            }
            return new Outcome(Results.of(name(), index.location(), result), result.ok() ? ExitCodes.OK : ExitCodes.CORRUPT, null);
        }
    }
}
