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
     * @param peakTotalMb the kernel's high-water mark of the child's resident memory (VmHWM), mapped pages included
     * @param peakAnonymousMb the highest anonymous resident memory (heap, JVM) seen, sampled every 20 ms
     */
    record Run(double wallSeconds, double cpuSeconds, double peakTotalMb, double peakAnonymousMb, JsonNode result) {}

    private ChildJvm() {}

    /** The JVM this benchmark runs on, with {@code options}, running {@code arguments}. */
    static List<String> java(List<String> options, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        command.addAll(options);
        command.addAll(arguments);
        return command;
    }

    /** What {@code ./ftindex} gives the indexing verbs: a heap of the RAM buffer plus 320 MB (no vector module: it does not pay, the vector benchmark). */
    static List<String> launcherOptions(double ramBufferMb) {
        return List.of("-Xmx" + ((long) ramBufferMb + 320) + "m", "--enable-native-access=ALL-UNNAMED");
    }

    /** {@code ftindex build} over {@code input} into a fresh {@code <name>-index}, as the launcher runs it, its standard error in {@code <name>.log}. */
    static Run ftindexBuild(BenchContext c, String name, Path input, Path spec, int workers, double ramBufferMb, String... more)
            throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("-jar", c.ftindexJar().toString(), "build", "--index", c.scratch(name + "-index").toString(),
                "--input", input.toString(), "--spec", spec.toString(), "--workers", String.valueOf(workers), "--ram-buffer-mb",
                String.valueOf((long) ramBufferMb), "--work-dir", c.scratch(name + "-work").toString(), "--progress", "none", "--quiet"));
        arguments.addAll(List.of(more));
        return run(java(launcherOptions(ramBufferMb), arguments), c.work().resolve(name + ".log"));
    }

    /** Runs {@code command}, its standard error in {@code log}. */
    static Run run(List<String> command, Path log) throws IOException, InterruptedException {
        return run(command, ProcessBuilder.Redirect.to(log.toFile()));
    }

    static Run run(List<String> command, ProcessBuilder.Redirect stderr) throws IOException, InterruptedException {
        String where = stderr.file() == null ? "" : "; see " + stderr.file();
        double cpu = childrenCpuSeconds();
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectError(stderr).start();
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
        long peakAnonymousKb = 0;
        long deadline = System.nanoTime() + TimeUnit.HOURS.toNanos(2);
        while (!process.waitFor(20, TimeUnit.MILLISECONDS)) {
            // VmHWM is the kernel's own high-water mark; RssAnon is sampled.
            peakKb = Math.max(peakKb, kilobytes(status, "VmHWM:"));
            peakAnonymousKb = Math.max(peakAnonymousKb, kilobytes(status, "RssAnon:"));
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("still running after two hours: " + String.join(" ", command) + where);
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (process.exitValue() != 0) {
            throw new IllegalStateException("exit " + process.exitValue() + ": " + String.join(" ", command) + where + "\n" + out.join());
        }
        return new Run(wall, childrenCpuSeconds() - cpu, peakKb / 1024.0, peakAnonymousKb / 1024.0, lastJson(out.join()));
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

    private static long kilobytes(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException gone) {
            // The process is exiting; the last reading stands.
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
