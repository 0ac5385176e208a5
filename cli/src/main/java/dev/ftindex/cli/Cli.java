package dev.ftindex.cli;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;

import dev.ftindex.cli.Options.Option;
import dev.ftindex.format.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

/**
 * The ftindex command: picks the verb, parses its options, runs it, prints its JSON result on
 * stdout (and to --result-file), and turns failures into the documented exit codes, with a JSON
 * result that says what failed and a message on stderr that says what to do.
 */
public final class Cli {
    static final List<Option> OUTPUT_OPTIONS = List.of(
            Option.value("result-file", "FILE", "also write the JSON result to FILE (written atomically)"),
            Option.value("progress", "MODE", "progress on stderr: auto (a bar on a terminal, else a line every 10 s),"
                    + " bar, json (JSON lines), plain, none").env("FTINDEX_PROGRESS"),
            Option.flag("verbose", "log more"),
            Option.flag("quiet", "log only warnings and errors"),
            Option.flag("help", "show this help"));

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> environment;
    private final boolean terminal;
    private final Map<String, Command> commands = new LinkedHashMap<>();

    public Cli(PrintStream out, PrintStream err, Map<String, String> environment, boolean terminal) {
        this.out = out;
        this.err = err;
        this.environment = environment;
        this.terminal = terminal;
        for (Command command : List.of(new BuildPartitionCommand(), new FinalizeCommand(), new StatusCommand(),
                new SearchCommand(), new VerifyCommand(), new BuildCommand())) {
            commands.put(command.name(), command);
        }
    }

    /** Runs the command line and returns the exit code. */
    public int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(overview());
            return args.length == 0 ? ExitCodes.USAGE : ExitCodes.OK;
        }
        if (args[0].equals("--version") || args[0].equals("version")) {
            out.println("ftindex " + version() + " (Lucene " + org.apache.lucene.util.Version.LATEST + ")");
            return ExitCodes.OK;
        }
        Command command = commands.get(args[0]);
        if (command == null) {
            err.print("ftindex: unknown verb '" + args[0] + "'\n\n" + overview());
            return ExitCodes.USAGE;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
            out.print(command.options().help());
            return ExitCodes.OK;
        }
        Options.Parsed parsed;
        Console console;
        try {
            parsed = command.options().parse(rest, environment, command.positional());
            Level level = parsed.flag("verbose") ? Level.FINE : parsed.flag("quiet") ? Level.WARNING : Level.INFO;
            console = new Console(err, Console.mode(parsed.optional("progress").orElse("auto"), terminal), level);
        } catch (UsageException e) {
            err.println("ftindex " + command.name() + ": " + e.getMessage());
            out.println(failure(command.name(), e, new ExitCodes.Classified(ExitCodes.USAGE, "usage")));
            return ExitCodes.USAGE;
        }
        try (console) {
            Command.Outcome outcome;
            try {
                outcome = command.run(parsed, new Command.Context(console, out, environment));
            } catch (Exception | LinkageError e) {
                ExitCodes.Classified classified = ExitCodes.classify(e);
                console.log(command.name() + " failed: " + e.getMessage());
                if (classified.code() == ExitCodes.BUG || parsed.flag("verbose")) {
                    StringWriter trace = new StringWriter();
                    e.printStackTrace(new PrintWriter(trace));
                    console.log(trace.toString().stripTrailing());
                }
                String json = failure(command.name(), e, classified);
                writeResultFile(parsed, json, console);
                out.println(json);
                return classified.code();
            }
            String json = new String(Json.write(outcome.result()), java.nio.charset.StandardCharsets.UTF_8).stripTrailing();
            writeResultFile(parsed, json, console);
            out.println(outcome.text() != null ? outcome.text().stripTrailing() : json);
            out.flush();
            return outcome.exitCode();
        }
    }

    private static String failure(String verb, Throwable e, ExitCodes.Classified classified) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("kind", classified.kind());
        error.put("message", String.valueOf(e.getMessage()));
        if (e instanceof dev.ftindex.format.CorruptIndexException corrupt) {
            error.put("problems", corrupt.problems());
        }
        if (e instanceof dev.ftindex.finalize.PartitionsMissingException missing) {
            error.put("missingPartitions", missing.missing());
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("verb", verb);
        result.put("status", "failed");
        result.put("exitCode", classified.code());
        result.put("error", error);
        return new String(Json.write(result), java.nio.charset.StandardCharsets.UTF_8).stripTrailing();
    }

    private static void writeResultFile(Options.Parsed parsed, String json, Console console) {
        var file = parsed.optional("result-file");
        if (file.isEmpty()) {
            return;
        }
        try {
            Path target = Path.of(file.get()).toAbsolutePath();
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(target.getParent(), ".result-", ".json");
            Files.writeString(temp, json + "\n");
            Files.move(temp, target, ATOMIC_MOVE, REPLACE_EXISTING);
        } catch (IOException e) {
            console.log("warning: could not write the result file " + file.get() + ": " + e.getMessage());
        }
    }

    private String overview() {
        StringBuilder text = new StringBuilder("""
                ftindex builds one Lucene full-text index with many workers and commits it to object storage
                (S3, MinIO or a local directory) so that readers only ever see a complete, verified index.

                Usage: ftindex <verb> [options]    (ftindex <verb> --help for a verb's options and examples)

                Verbs:
                """);
        commands.values().forEach(command -> text.append(String.format("  %-16s %s%n", command.name(), command.summary())));
        text.append("""

                Quick start (bundled sample): ftindex build --index ./demo-index --search "light darkness"

                Every verb prints one JSON result on stdout (status and search print text unless --json),
                logs and progress on stderr, and exits with: 0 success, 2 usage or configuration, 3 bad input,
                4 partitions missing or not committed yet, 5 conflict, 6 corrupt data, 75 transient storage
                failure (retry), 1 bug.
                """);
        return text.toString();
    }

    static String version() {
        String version = Cli.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
