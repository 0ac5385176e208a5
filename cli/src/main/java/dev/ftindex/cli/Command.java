package dev.ftindex.cli;

import java.io.PrintStream;
import java.util.Map;

/** One verb of the ftindex command. */
interface Command {
    String name();

    /** One line for the verb list. */
    String summary();

    Options options();

    /** Whether arguments without an option name are accepted (the query of search). */
    default boolean positional() {
        return false;
    }

    /** Runs the verb. The result is printed as JSON (and written to --result-file). */
    Outcome run(Options.Parsed args, Context context) throws Exception;

    /**
     * @param result the JSON result
     * @param exitCode 0, or the code of a failure that still has a full result (verify)
     * @param text what to print instead of the JSON for people (status, search without --json), or null
     */
    record Outcome(Object result, int exitCode, String text) {
        static Outcome json(Object result) {
            return new Outcome(result, ExitCodes.OK, null);
        }
    }

    /** What a verb may use: the console (logs, progress), stdout, the environment. */
    record Context(Console console, PrintStream out, Map<String, String> environment) {}
}
