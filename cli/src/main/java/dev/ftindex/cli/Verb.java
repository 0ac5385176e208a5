package dev.ftindex.cli;

import java.io.PrintStream;
import java.util.Map;

/**
 * One verb of the ftindex command: a picocli {@code @Command} whose options are its fields.
 * {@link Cli} parses, runs {@link #run}, prints the JSON result (and writes {@code --result-file})
 * and maps failures to exit codes, the same way for every verb.
 */
interface Verb {
    /** The options every verb has. */
    OutputOptions output();

    /** Runs the verb. The result is printed as JSON (and written to --result-file). */
    Outcome run(Context context) throws Exception;

    /**
     * @param result the JSON result
     * @param exit OK, or the code of a failure that still has a full result (verify)
     * @param text what to print instead of the JSON for people (status, search without --json), or null
     */
    record Outcome(Object result, ExitCode exit, String text) {
        static Outcome json(Object result) {
            return new Outcome(result, ExitCode.OK, null);
        }
    }

    /** What a verb may use: the console (logs, progress), stdout, the environment. */
    record Context(Console console, PrintStream out, Map<String, String> environment) {}
}
