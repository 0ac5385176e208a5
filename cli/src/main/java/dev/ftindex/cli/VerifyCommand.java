package dev.ftindex.cli;

import dev.ftindex.search.IndexVerifier;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex verify}: check every committed file in full. */
@Command(name = "verify",
        header = "check every committed file in full (and with --deep, Lucene's CheckIndex)",
        customSynopsis = "ftindex verify --index URI | --collection C [--generation G] [--deep] [options]",
        description = {
            "Reads every committed file in full and checks its CRC32 against its Lucene footer and against",
            "metadata.lance; with --deep, also fetches each partition and runs Lucene's CheckIndex on it. On a",
            "collection, checks the generation its alias names (or --generation G).",
            "Reports every bad file, not only the first. Exit 6 when anything is wrong."},
        footer = {
            "  ftindex verify --index s3://bucket/idx",
            "  ftindex verify --index ./idx --deep"})
final class VerifyCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nVerify:%n", order = 10)
    Group verify = new Group();

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--deep", description = "also run Lucene's CheckIndex on every partition")
        boolean deep;

        @Option(names = "--concurrency", paramLabel = "N", description = "files checked at once (default 8)")
        int concurrency = 8;

        @Option(names = "--work-dir", paramLabel = "DIR", description = "where --deep fetches partitions (default: the system temp directory)")
        Path workDir;
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) {
        Path scratch = verify.workDir != null ? verify.workDir : Path.of(System.getProperty("java.io.tmpdir"));
        try (Stores stores = store.open(context.environment())) {
            Target.Root root = store.target(stores).root();
            context.console().root(root.store().location());
            IndexVerifier.Result result = new IndexVerifier(root.store(), verify.concurrency, context.console().progress())
                    .verify(verify.deep, scratch);
            if (result.ok()) {
                context.console().info(String.format(Locale.ROOT, "index %s is sound: %d files, %s checked%s", result.index().indexId(),
                        result.index().files(), Console.size(result.index().bytes()), result.deep() ? " (and CheckIndex on every partition)" : ""));
            } else {
                result.problems().forEach(problem -> context.console().log("corrupt: " + problem));
            }
            return new Outcome(Results.of("verify", root, result), result.ok() ? ExitCode.OK : ExitCode.CORRUPT, null);
        }
    }
}
