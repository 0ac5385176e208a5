package dev.ftindex.integrationtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The shipped ftindex command (the shaded jar), run as a separate OS process with an
 * environment of its own: no AWS settings leak in from the machine, credentials come from the
 * environment variables the test sets, as in production.
 */
final class Ftindex {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    /**
     * Temp directory and home of every process: workers killed with -9 leave their work
     * directory behind, as they would in production, and that belongs in the build tree, not in
     * the machine's /tmp.
     */
    private static final Path PROCESS_TEMP = Path.of("target", "process-tmp").toAbsolutePath();

    private final Path jar;
    private final Map<String, String> environment;

    Ftindex(Map<String, String> environment) {
        this.jar = Path.of(System.getProperty("ftindex.jar", "../cli/target/ftindex.jar")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the ftindex jar is not built: " + jar + " (run mvn package)");
        }
        try {
            Files.createDirectories(PROCESS_TEMP);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", PROCESS_TEMP.toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_CONFIG_FILE", "/nonexistent/ftindex-test-config");
        env.put("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ftindex-test-credentials");
        env.put("FTINDEX_PROGRESS", "none");
        env.putAll(environment);
        this.environment = Map.copyOf(env);
    }

    /** What a finished process did. */
    record Result(List<String> command, int exitCode, String out, String err) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON:\n" + this, e);
            }
        }

        @Override
        public String toString() {
            return "ftindex " + String.join(" ", command) + "\nexit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    /** A running process; its stderr lines can be watched as they come (progress events). */
    static final class Running {
        private final List<String> command;
        private final Process process;
        private final CompletableFuture<String> out;
        private final StringBuffer err = new StringBuffer();
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Thread errReader;

        private Running(List<String> command, Process process) {
            this.command = command;
            this.process = process;
            // A thread of its own per stream: a shared pool (the common pool has one thread on two
            // cores) would let one hanging process starve the output of every other.
            this.out = new CompletableFuture<>();
            Thread outReader = new Thread(() -> {
                try {
                    out.complete(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    out.complete("");
                }
            }, "ftindex-stdout");
            outReader.setDaemon(true);
            outReader.start();
            this.errReader = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        err.append(line).append('\n');
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // The process was killed.
                }
            }, "ftindex-stderr");
            errReader.setDaemon(true);
            errReader.start();
        }

        /** Waits up to {@code timeout} for a stderr line matching {@code wanted}; null if the process ended first. */
        String awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                String line = lines.poll(20, TimeUnit.MILLISECONDS);
                if (line != null && wanted.test(line)) {
                    return line;
                }
                if (line == null && !process.isAlive() && lines.isEmpty()) {
                    return null;
                }
            }
            return null;
        }

        /** Everything the process printed on stderr so far. */
        String stderrSoFar() {
            return err.toString();
        }

        boolean alive() {
            return process.isAlive();
        }

        /**
         * SIGTERM, as an orchestrator stops a pod: the process may drain and exit on its own.
         * Through its handle: {@link Process#destroy} would also close the pipes it prints to.
         */
        void terminate() {
            process.toHandle().destroy();
        }

        /** Sends the process a signal by name ({@code STOP}, {@code CONT}) with kill(1). */
        void signal(String name) throws InterruptedException {
            try {
                Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
                if (kill.waitFor() != 0) {
                    throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** SIGKILL: no shutdown hooks, no finally blocks, no cleanup. */
        void kill9() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        Result await() throws InterruptedException {
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("ftindex " + String.join(" ", command) + " did not finish in " + TIMEOUT);
            }
            errReader.join(10_000);
            return new Result(command, process.exitValue(), out.join(), err.toString());
        }
    }

    Running start(String... args) {
        return start(Map.of(), args);
    }

    Running start(Map<String, String> extraEnvironment, String... args) {
        return start("512m", extraEnvironment, args);
    }

    /** Runs with a heap of {@code heap} ({@code -Xmx}): what a run must fit in. */
    Result runInHeap(String heap, String... args) throws InterruptedException {
        return start(heap, Map.of(), args).await();
    }

    private Running start(String heap, Map<String, String> extraEnvironment, String... args) {
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx" + heap,
                "-Xshare:auto", "-Djava.io.tmpdir=" + PROCESS_TEMP, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.environment().putAll(extraEnvironment);
        try {
            return new Running(List.of(args), builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Result run(String... args) throws InterruptedException {
        return start(args).await();
    }

    Result run(Map<String, String> extraEnvironment, String... args) throws InterruptedException {
        return start(extraEnvironment, args).await();
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
