package dev.ftindex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import dev.ftindex.worker.CheckpointInterval;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * 13. Checkpoints (issue 24). What they cost: one worker over the corpus (to S3Proxy, in this
 * JVM) with checkpoints at the default interval and at a short one against the same worker with
 * none, runs paired; the short interval gives the cost of one checkpoint, from which the
 * default's share of a long build follows. What they save: {@code ftindex build-partition} in a
 * process of its own, killed with SIGKILL once it has indexed 50 % (then 90 %) of the documents,
 * then run again: its wall time against a fresh run of the same command.
 */
final class CheckpointBenchmark {
    private CheckpointBenchmark() {}

    /** @param parts {@code cost}, {@code resume} or both */
    static void run(BenchContext c, Report report, Set<String> parts) throws Exception {
        // The short interval: about five checkpoints in a build of this corpus. This first run
        // also warms the JIT for the measured ones.
        double plainSeconds = c.worker(c.spec(), c.corpus().file(), "checkpoint-work", CheckpointInterval.OFF).seconds();
        Duration shortInterval = Duration.ofMillis(Math.max(50, (long) (plainSeconds * 1000 / 6)));
        if (parts.contains("cost")) {
            cost(c, report, shortInterval);
        }
        if (parts.contains("resume")) {
            for (double at : new double[] {0.5, 0.9}) {
                resume(c, report, at, shortInterval);
            }
        }
    }

    private static void cost(BenchContext c, Report report, Duration shortInterval) throws Exception {
        CheckpointInterval byDefault = CheckpointInterval.every(CheckpointInterval.AUTO_EVERY);
        List<Double> off = new ArrayList<>();
        List<Double> atDefault = new ArrayList<>();
        List<Double> atShort = new ArrayList<>();
        List<Double> takenAtDefault = new ArrayList<>();
        List<Double> takenAtShort = new ArrayList<>();
        for (int run = 1; run <= c.runs(); run++) {
            // Each run's three sides in a rotating order: no side always follows another.
            for (int side = 0; side < 3; side++) {
                switch ((side + run) % 3) {
                    case 0 -> off.add(c.worker(c.spec(), c.corpus().file(), "checkpoint-work", CheckpointInterval.OFF).seconds());
                    case 1 -> {
                        BenchContext.WorkerRun worker = c.worker(c.spec(), c.corpus().file(), "checkpoint-work", byDefault);
                        atDefault.add(worker.seconds());
                        takenAtDefault.add((double) worker.result().checkpoints().taken());
                    }
                    default -> {
                        BenchContext.WorkerRun worker = c.worker(c.spec(), c.corpus().file(), "checkpoint-work",
                                CheckpointInterval.every(shortInterval));
                        atShort.add(worker.seconds());
                        takenAtShort.add((double) worker.result().checkpoints().taken());
                    }
                }
            }
            c.say("checkpoint run %d/%d: off %.1f s, every %s %.1f s (%d taken), every %s %.1f s (%d taken)", run, c.runs(), off.getLast(),
                    byDefault, atDefault.getLast(), takenAtDefault.getLast().intValue(), CheckpointInterval.every(shortInterval),
                    atShort.getLast(), takenAtShort.getLast().intValue());
        }
        double defaultRatio = Stats.median(Stats.ratios(atDefault, off));
        report.add(new Report.Row("checkpoint", "worker time, checkpoints every " + byDefault + " vs none", Stats.median(atDefault),
                Stats.median(off), defaultRatio, "s", "ratio <= 1.05", defaultRatio <= 1.05, String.format(Locale.ROOT,
                        "%.0f checkpoints taken (median); median of %d paired runs", Stats.median(takenAtDefault), off.size())));
        double shortRatio = Stats.median(Stats.ratios(atShort, off));
        double taken = Stats.median(takenAtShort);
        double perCheckpoint = taken == 0 ? 0 : Math.max(0, Stats.median(differences(atShort, off)) / taken);
        report.add(new Report.Row("checkpoint", "worker time, checkpoints every " + CheckpointInterval.every(shortInterval) + " vs none",
                Stats.median(atShort), Stats.median(off), shortRatio, "s", "(reported)", null, String.format(Locale.ROOT,
                        "%.0f checkpoints taken (median): %.2f s each, commit, upload and the extra merge work included", taken, perCheckpoint)));
        double share = perCheckpoint / (CheckpointInterval.AUTO_EVERY.toSeconds() + perCheckpoint);
        report.figure("checkpoint", "share of a long build's time at the default interval", share * 100, "%", String.format(Locale.ROOT,
                "one checkpoint's cost (row above) per %d s of building; target <= 5 %%", CheckpointInterval.AUTO_EVERY.toSeconds()));
    }

    private static List<Double> differences(List<Double> a, List<Double> b) {
        List<Double> differences = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            differences.add(a.get(i) - b.get(i));
        }
        return differences;
    }

    /**
     * A worker killed with SIGKILL once it has indexed {@code at} of the documents (as a
     * preemption would: whatever came after its last checkpoint is lost), then rerun, against a
     * fresh run of the same command; paired, the order alternating. A run that finished before
     * the kill is not counted.
     */
    private static void resume(BenchContext c, Report report, double at, Duration interval) throws Exception {
        Path spec = c.work().resolve("checkpoint-spec.json");
        Files.write(spec, Json.write(c.spec()));
        List<Double> fresh = new ArrayList<>();
        List<Double> resumed = new ArrayList<>();
        List<Double> resumedFrom = new ArrayList<>();
        for (int run = 1; run <= c.runs(); run++) {
            double freshSeconds = 0;
            if (run % 2 == 1) {
                freshSeconds = ChildJvm.run(worker(c, c.scratch("checkpoint-fresh"), spec, interval, "none"),
                        c.work().resolve("checkpoint-fresh.log")).wallSeconds();
            }
            Path root = c.scratch("checkpoint-killed");
            boolean killed = killAt(worker(c, root, spec, interval, "json"), (long) Math.ceil(at * c.corpus().docs()),
                    c.work().resolve("checkpoint-killed.log"));
            ChildJvm.Run rerun = ChildJvm.run(worker(c, root, spec, interval, "none"), c.work().resolve("checkpoint-rerun.log"));
            if (run % 2 == 0) {
                freshSeconds = ChildJvm.run(worker(c, c.scratch("checkpoint-fresh"), spec, interval, "none"),
                        c.work().resolve("checkpoint-fresh.log")).wallSeconds();
            }
            long from = rerun.result() == null ? 0 : rerun.result().path("checkpoints").path("resumed").path("docs").asLong(0);
            c.say("checkpoint resume at %.0f %%, run %d/%d: %s, rerun %.1f s (resumed from %,d documents), fresh %.1f s", at * 100, run,
                    c.runs(), killed ? "killed" : "finished before the kill: not counted", rerun.wallSeconds(), from, freshSeconds);
            if (killed) {
                fresh.add(freshSeconds);
                resumed.add(rerun.wallSeconds());
                resumedFrom.add((double) from / c.corpus().docs());
            }
        }
        if (fresh.isEmpty()) {
            report.note(String.format(Locale.ROOT, "checkpoint resume at %.0f %%: every run finished before the kill", at * 100));
            return;
        }
        double ratio = Stats.median(Stats.ratios(resumed, fresh));
        report.add(new Report.Row("checkpoint", String.format(Locale.ROOT, "wall time of a rerun killed at %.0f %% vs a fresh run", at * 100),
                Stats.median(resumed), Stats.median(fresh), ratio, "s", "(reported)", null, String.format(Locale.ROOT,
                        "saves %.0f %% of a fresh run; build-partition processes, local index, checkpoints every %s; the rerun resumed"
                                + " from a checkpoint of %.0f %% of the documents (median); median of %d paired runs",
                        (1 - ratio) * 100, CheckpointInterval.every(interval), Stats.median(resumedFrom) * 100, fresh.size())));
    }

    private static List<String> worker(BenchContext c, Path root, Path spec, Duration interval, String progress) {
        return ChildJvm.java(ChildJvm.launcherOptions(c.ramBufferMb()), List.of("-jar", c.ftindexJar().toString(), "build-partition",
                "--index", root.toString(), "--input", c.corpus().file().toString(), "--spec", spec.toString(), "--partition", "0",
                "--threads", String.valueOf(c.threads()), "--ram-buffer-mb", String.valueOf((long) c.ramBufferMb()), "--checkpoint-every",
                CheckpointInterval.every(interval).toString(), "--progress", progress));
    }

    /**
     * Starts {@code command} (with {@code --progress json}) and kills it with SIGKILL as soon as a
     * progress line of its indexing stage counts {@code docs} documents; false when it ended first.
     * Its stderr goes to {@code log}.
     */
    private static boolean killAt(List<String> command, long docs, Path log) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(log)) {
            String line;
            while ((line = lines.readLine()) != null) {
                out.write(line);
                out.newLine();
                if (line.startsWith("{") && line.contains("\"indexing\"")) {
                    JsonNode event = Json.MAPPER.readTree(line);
                    if (event.path("stage").asText().equals("indexing") && event.path("items").asLong() >= docs) {
                        process.destroyForcibly();
                        process.waitFor();
                        return true;
                    }
                }
            }
            process.waitFor();
            return false;
        } finally {
            process.destroyForcibly();
        }
    }
}
