package dev.ftindex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Java program run as a process of its own, as a user runs it: its wall time (JVM start
 * included), the CPU-seconds the kernel charged it, and the last JSON line it printed.
 *
 * <p>The CPU figure is the growth of this process's {@code cutime + cstime} in
 * {@code /proc/self/stat}: the kernel adds a child's user and system time there when the parent
 * reaps it, which {@link Process#waitFor} does, so it counts every thread of the child and
 * nothing of this JVM. Benchmarks run one child at a time.
 */
final class ChildJvm {
    private static final double CLOCK_TICKS = 100.0;

    /**
     * @param peakAnonymousMb the highest anonymous resident memory (heap, JVM) seen, sampled every 50 ms
     */
    record Run(double wallSeconds, double cpuSeconds, double peakAnonymousMb, JsonNode result) {}

    private ChildJvm() {}

    /** The JVM this benchmark runs on, with {@code options}, running {@code arguments}. */
    static List<String> java(List<String> options, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        command.addAll(options);
        command.addAll(arguments);
        return command;
    }

    /** What {@code ./ftindex} gives the indexing verbs: a heap of the RAM buffer plus 320 MB, the vector module. */
    static List<String> launcherOptions(double ramBufferMb) {
        return List.of("-Xmx" + ((long) ramBufferMb + 320) + "m", "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector");
    }

    static Run run(List<String> command, Path log) throws IOException, InterruptedException {
        double cpu = childrenCpuSeconds();
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        // The output is read on a thread of its own while this one samples the child's memory.
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, runnable -> Thread.ofPlatform().daemon().start(runnable));
        Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
        long peakKb = 0;
        long deadline = System.nanoTime() + TimeUnit.HOURS.toNanos(2);
        while (!process.waitFor(50, TimeUnit.MILLISECONDS)) {
            peakKb = Math.max(peakKb, anonymousKb(status));
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("still running after two hours: " + String.join(" ", command) + "; see " + log);
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (process.exitValue() != 0) {
            throw new IllegalStateException("exit " + process.exitValue() + ": " + String.join(" ", command) + "; see " + log + "\n" + out.join());
        }
        return new Run(wall, childrenCpuSeconds() - cpu, peakKb / 1024.0, lastJson(out.join()));
    }

    /** The whole output when it is one JSON document (ftindex prints one, indented), else its last line that is. */
    private static JsonNode lastJson(String out) throws IOException {
        if (out.strip().startsWith("{") && out.strip().endsWith("}")) {
            try {
                return Json.MAPPER.readTree(out);
            } catch (IOException notOneDocument) {
                // Lines of their own follow.
            }
        }
        List<String> lines = out.lines().filter(line -> line.startsWith("{")).toList();
        return lines.isEmpty() ? null : Json.MAPPER.readTree(lines.getLast());
    }

    private static long anonymousKb(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("RssAnon:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException gone) {
            // The process ended between two samples.
        }
        return 0;
    }

    /** User and system time of this process's reaped children, from {@code /proc/self/stat} (fields 16 and 17). */
    static double childrenCpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) / CLOCK_TICKS;
    }
}
