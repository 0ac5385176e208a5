package dev.ftindex.format.progress;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.RequestMetrics;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run cost: its wall time, the seconds of each stage in the order they ran, and the
 * requests it made (by kind, and the bytes that passed through the process).
 */
public record RunStats(double seconds, Map<String, Double> stageSeconds, RequestMetrics.Snapshot requests) {
    public RunStats {
        stageSeconds = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(stageSeconds, "stageSeconds is null")));
        requireNonNull(requests, "requests is null");
    }

    /** Measures one run: stages are recorded as they end; {@link #finish} takes the totals. */
    public static final class Clock {
        private final long start = System.nanoTime();
        private final RequestMetrics metrics;
        private final RequestMetrics.Snapshot before;
        private final Map<String, Double> stages = new LinkedHashMap<>();

        public Clock(RequestMetrics metrics) {
            this.metrics = requireNonNull(metrics, "metrics is null");
            this.before = metrics.snapshot();
        }

        /** Records a stage's seconds (a later one of the same name replaces it). */
        public synchronized void stage(String name, double seconds) {
            stages.put(name, seconds);
        }

        /** Adds {@code seconds} to a stage that recurs (a worker's checkpoints). */
        public synchronized void add(String name, double seconds) {
            stages.merge(name, seconds, Double::sum);
        }

        public synchronized RunStats finish() {
            return new RunStats((System.nanoTime() - start) / 1e9, stages, metrics.snapshot().minus(before));
        }
    }
}
