package dev.ftindex.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs the ftindex command in this JVM and captures what it prints. */
final class CliRunner {
    record Run(int exitCode, String out, String err) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(out);
            } catch (Exception e) {
                throw new AssertionError("stdout is not JSON: " + out + "\nstderr: " + err, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private final Map<String, String> environment = new HashMap<>();

    CliRunner env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>(environment);
        env.putIfAbsent("FTINDEX_PROGRESS", "none");
        int code;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = new Cli(outStream, errStream, env, false).run(args);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs and requires exit code 0 (the run, with its output, is the failure's message). */
    Run ok(String... args) {
        Run run = run(args);
        if (run.exitCode() != 0) {
            throw new AssertionError("expected exit code 0:\n" + run);
        }
        return run;
    }
}
