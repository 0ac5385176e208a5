package dev.ftindex.cli;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;

import dev.ftindex.format.ErrorKind;
import dev.ftindex.format.FailureReport;
import dev.ftindex.format.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * The ftindex command (picocli): picks the verb, parses its options (defaults from the
 * environment variables declared with {@link Env}), runs it, prints its JSON result on stdout
 * (and to --result-file), and turns failures into the documented exit codes ({@link ExitCode}),
 * with a JSON result that says what failed and a message on stderr that says what to do.
 */
public final class Cli {
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> environment;
    private final boolean terminal;

    public Cli(PrintStream out, PrintStream err, Map<String, String> environment, boolean terminal) {
        this.out = out;
        this.err = err;
        this.environment = Map.copyOf(environment);
        this.terminal = terminal;
    }

    @Command(name = "ftindex",
            header = {"ftindex builds one Lucene full-text index with many workers and commits it to object storage",
                "(S3, MinIO or a local directory) so that readers only ever see a complete, verified index.", ""},
            customSynopsis = "ftindex <verb> [options]    (ftindex <verb> --help for a verb's options and examples)",
            commandListHeading = "%nVerbs:%n",
            footer = {"", "Quick start (bundled sample): ftindex build --index ./demo-index --search \"light darkness\"", "",
                "Every verb prints one JSON result on stdout (status and search print text unless --json), logs and progress",
                "on stderr, and exits with one of the codes below."})
    static final class Top {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
        boolean help;

        @Option(names = "--version", versionHelp = true, description = "show the version")
        boolean version;
    }

    @Command(name = "version", header = "show the version of ftindex and of Lucene")
    static final class VersionCommand implements Runnable {
        PrintStream out = System.out;

        @Override
        public void run() {
            out.println(versionLine());
        }
    }

    /** The verbs in the order of the help, and {@code help} and {@code version}. */
    private static final List<Class<?>> VERBS = List.of(BuildPartitionCommand.class, FinalizeCommand.class, StatusCommand.class,
            SearchCommand.class, VerifyCommand.class, BuildCommand.class, InspectCommand.class, PublishCommand.class, RollbackCommand.class,
            GcCommand.class, CompactCommand.class, ServeCommand.class, CommandLine.HelpCommand.class, VersionCommand.class);

    /** Runs the command line and returns the exit code. */
    public int run(String[] args) {
        CommandLine line = commandLine(args.length == 0 ? List.of() : List.of(args[0]));
        return line.execute(args);
    }

    /** The command line with every verb, the help layout and the environment defaults; {@code public} for the option-list test. */
    CommandLine commandLine() {
        return commandLine(List.of());
    }

    /**
     * The command line with only {@code wanted} when that names a verb, else with every verb.
     * picocli reflects over every option of every verb it is given, 0.1 s for the twelve that
     * a command does not use (docs/benchmarks.md); the top-level help and the "unknown verb"
     * suggestions need them all, a verb's own parsing and help only itself.
     */
    CommandLine commandLine(List<String> wanted) {
        List<Class<?>> verbs = VERBS.stream().filter(verb -> wanted.contains(verb.getAnnotation(Command.class).name())).toList();
        CommandLine line = new CommandLine(new Top());
        for (Class<?> verb : verbs.isEmpty() || verbs.contains(CommandLine.HelpCommand.class) ? VERBS : verbs) {
            line.addSubcommand(new CommandLine(verb));
        }
        // picocli applies these to the subcommands present when they are set: the verbs come first.
        line.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        line.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        line.setDefaultValueProvider(this::fromEnvironment);
        line.setHelpFactory(EnvironmentHelp::new);
        line.setUsageHelpWidth(140);
        line.setExecutionStrategy(this::execute);
        line.setParameterExceptionHandler(this::usageError);
        line.getCommandSpec().versionProvider(() -> new String[] {versionLine()});
        layout(line);
        line.getSubcommands().values().forEach(Cli::layout);
        CommandLine version = line.getSubcommands().get("version");
        if (version != null) {
            ((VersionCommand) version.getCommandSpec().userObject()).out = out;
        }
        return line;
    }

    /** Sections in the order of the old help: options, examples, then the exit codes (written once, in {@link ExitCode}). */
    private static void layout(CommandLine line) {
        CommandSpec spec = line.getCommandSpec();
        spec.usageMessage().sortOptions(false).synopsisHeading("Usage: ").exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(ExitCode.helpList()).abbreviateSynopsis(false);
        if (spec.userObject() instanceof Verb) {
            spec.usageMessage().footerHeading("%nExamples:%n").descriptionHeading("%n");
        }
        List<String> keys = new ArrayList<>(line.getHelpSectionKeys());
        keys.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST_HEADING);
        keys.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST);
        int footer = keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER);
        keys.add(footer + 1, CommandLine.Model.UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST);
        keys.add(footer + 1, CommandLine.Model.UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST_HEADING);
        line.setHelpSectionKeys(keys);
    }

    /** An option's value from the first of its {@link Env} variables that is set. */
    private String fromEnvironment(ArgSpec arg) {
        for (String variable : variables(arg)) {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }

    static List<String> variables(ArgSpec arg) {
        if (arg.userObject() instanceof Field field && field.getAnnotation(Env.class) != null) {
            return List.of(field.getAnnotation(Env.class).value());
        }
        return List.of();
    }

    private int execute(ParseResult parsed) {
        Integer help = CommandLine.executeHelpRequest(parsed);
        if (help != null) {
            return help;
        }
        if (!parsed.hasSubcommand()) {
            parsed.commandSpec().commandLine().usage(err);
            return ExitCode.USAGE.code();
        }
        ParseResult sub = parsed.subcommand();
        Object command = sub.commandSpec().userObject();
        Optional<String> twice = givenTwice(sub);
        if (twice.isPresent()) {
            return usageError(new ParameterException(sub.commandSpec().commandLine(), twice.get() + " should be specified only once"),
                    new String[0]);
        }
        if (command instanceof Runnable runnable) {
            runnable.run();
            return ExitCode.OK.code();
        }
        return run(sub.commandSpec().name(), (Verb) command);
    }

    private int run(String name, Verb verb) {
        OutputOptions output = verb.output();
        Console console;
        try {
            console = new Console(err, Console.mode(output.progress(), terminal), output.level(), name);
        } catch (UsageException e) {
            err.println("ftindex " + name + ": " + e.getMessage());
            out.println(failure(name, e, ExitCode.Classified.of(ErrorKind.USAGE)));
            return ExitCode.USAGE.code();
        }
        try (console; Console.Logging ignored = console.routeLogging()) {
            Verb.Outcome outcome;
            try {
                outcome = verb.run(new Verb.Context(console, out, environment));
            } catch (Exception | LinkageError e) {
                ExitCode.Classified classified = ExitCode.classify(e);
                console.error(name + " failed: " + e.getMessage());
                if (classified.exit() == ExitCode.BUG || output.verbose()) {
                    StringWriter trace = new StringWriter();
                    e.printStackTrace(new PrintWriter(trace));
                    console.log(trace.toString().stripTrailing());
                }
                String json = failure(name, e, classified);
                writeResultFile(output, json, console);
                out.println(json);
                return classified.exit().code();
            }
            String json = new String(Json.write(outcome.result()), StandardCharsets.UTF_8).stripTrailing();
            writeResultFile(output, json, console);
            out.println(outcome.text() != null ? outcome.text().stripTrailing() : json);
            out.flush();
            return outcome.exit().code();
        }
    }

    /**
     * A single-valued option given twice. picocli refuses that itself, except for options in
     * argument groups (where every verb keeps its options, for the headings of the help).
     */
    private static Optional<String> givenTwice(ParseResult parsed) {
        for (OptionSpec option : parsed.matchedOptions()) {
            if (!option.isMultiValue() && !option.usageHelp() && option.originalStringValues().size() > 1) {
                return Optional.of(option.longestName());
            }
        }
        return Optional.empty();
    }

    /** Bad usage: what is wrong, with picocli's suggestions, on stderr; the JSON failure on stdout; exit 2. */
    private int usageError(ParameterException e, String[] args) {
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        boolean top = spec.userObject() instanceof Top;
        String verb = top ? "ftindex" : spec.name();
        String message = describe(e, top, verb);
        err.println("ftindex" + (top ? "" : " " + verb) + ": " + message);
        if (top) {
            err.println();
            e.getCommandLine().usage(err);
            return ExitCode.USAGE.code();
        }
        out.println(failure(verb, e, ExitCode.Classified.of(ErrorKind.USAGE)));
        return ExitCode.USAGE.code();
    }

    private static String describe(ParameterException e, boolean top, String verb) {
        String help = top ? "" : " (see ftindex " + verb + " --help)";
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().getFirst();
            List<String> suggestions = unmatched.getSuggestions();
            String suggestion = suggestions.isEmpty() ? "" : "; did you mean " + String.join(" or ", suggestions.stream()
                    .map(s -> s.startsWith("ftindex ") ? s.substring("ftindex ".length()) : s).toList()) + "?";
            if (top) {
                return "unknown verb '" + first + "'" + suggestion;
            }
            return (first.startsWith("-") ? "unknown option " + first.split("=", 2)[0] : "unexpected argument '" + first + "'")
                    + " for 'ftindex " + verb + "'" + suggestion + help;
        }
        return e.getMessage() + help;
    }

    private static String failure(String verb, Throwable e, ExitCode.Classified classified) {
        return new String(Json.write(FailureReport.ofCommand(verb, classified.kind(), e)), StandardCharsets.UTF_8).stripTrailing();
    }

    private static void writeResultFile(OutputOptions output, String json, Console console) {
        Optional<Path> file = output.resultFile();
        if (file.isEmpty()) {
            return;
        }
        try {
            Path target = file.get().toAbsolutePath();
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(target.getParent(), ".result-", ".json");
            Files.writeString(temp, json + "\n");
            Files.move(temp, target, ATOMIC_MOVE, REPLACE_EXISTING);
        } catch (IOException e) {
            console.warn("could not write the result file " + file.get() + ": " + e.getMessage());
        }
    }

    static String versionLine() {
        return "ftindex " + version() + " (Lucene " + org.apache.lucene.util.Version.LATEST + ")";
    }

    static String version() {
        String version = Cli.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    /** The help of picocli, with each option's {@link Env} variables under its description. */
    private static final class EnvironmentHelp extends Help {
        EnvironmentHelp(CommandSpec spec, ColorScheme scheme) {
            super(spec, scheme);
        }

        @Override
        public IOptionRenderer createDefaultOptionRenderer() {
            IOptionRenderer base = super.createDefaultOptionRenderer();
            return (option, labels, scheme) -> {
                Help.Ansi.Text[][] rows = base.render(option, labels, scheme);
                List<String> variables = variables(option);
                if (variables.isEmpty()) {
                    return rows;
                }
                Help.Ansi.Text empty = scheme.text("");
                Help.Ansi.Text[][] more = Arrays.copyOf(rows, rows.length + 1);
                more[rows.length] = new Help.Ansi.Text[] {empty, empty, empty, empty,
                    scheme.text("[env " + String.join(", ", variables) + "]")};
                return more;
            };
        }
    }

    /** Every option of every verb, for the test that compares them with the documented set. */
    static Map<String, List<String>> optionsByVerb(CommandLine line) {
        Map<String, List<String>> options = new LinkedHashMap<>();
        line.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandSpec().userObject() instanceof Verb) {
                options.put(name, sub.getCommandSpec().options().stream().map(OptionSpec::longestName).toList());
            }
        });
        return options;
    }
}
