package dev.ftindex.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Level;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** What every verb prints where, and how much: a mixin. */
final class OutputOptions {
    @ArgGroup(validate = false, heading = "%nOutput:%n", order = 100)
    Group group = new Group();

    static final class Group {
        @Option(names = "--result-file", paramLabel = "FILE", description = "also write the JSON result to FILE (written atomically)")
        Path resultFile;

        @Option(names = "--progress", paramLabel = "MODE", description = "progress on stderr: auto (a bar on a terminal, else a line"
                + " every 10 s), bar, json (JSON lines), plain, none")
        @Env("FTINDEX_PROGRESS")
        String progress = "auto";

        @Option(names = "--verbose", description = "log more")
        boolean verbose;

        @Option(names = "--quiet", description = "log only warnings and errors")
        boolean quiet;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
        boolean help;
    }

    Optional<Path> resultFile() {
        return Optional.ofNullable(group.resultFile);
    }

    String progress() {
        return group.progress == null ? "auto" : group.progress;
    }

    boolean verbose() {
        return group.verbose;
    }

    Level level() {
        return group.verbose ? Level.FINE : group.quiet ? Level.WARNING : Level.INFO;
    }
}
