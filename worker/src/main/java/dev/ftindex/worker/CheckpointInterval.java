package dev.ftindex.worker;

import java.time.Duration;
import java.util.Optional;

/**
 * How often a worker checkpoints: never, every given duration, or {@link #AUTO}: every
 * {@link #AUTO_EVERY} when its share of the input is at least {@link #AUTO_MIN_BYTES} (a build
 * long enough to be worth resuming), never for a smaller one (a rerun costs less than the
 * checkpoints would).
 */
public record CheckpointInterval(Optional<Duration> every, boolean auto) {
    public static final Duration AUTO_EVERY = Duration.ofMinutes(5);
    public static final long AUTO_MIN_BYTES = 1L << 30;
    public static final CheckpointInterval OFF = new CheckpointInterval(Optional.empty(), false);
    public static final CheckpointInterval AUTO = new CheckpointInterval(Optional.empty(), true);

    public CheckpointInterval {
        every.ifPresent(duration -> {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("a checkpoint interval must be positive: " + duration);
            }
        });
        if (auto && every.isPresent()) {
            throw new IllegalArgumentException("auto has no duration of its own");
        }
    }

    public static CheckpointInterval every(Duration duration) {
        return new CheckpointInterval(Optional.of(duration), false);
    }

    /** The interval for a share of {@code shareBytes}; empty: no checkpoints. */
    Optional<Duration> forShare(long shareBytes) {
        return auto ? (shareBytes >= AUTO_MIN_BYTES ? Optional.of(AUTO_EVERY) : Optional.empty()) : every;
    }

    /** As {@code --checkpoint-every} takes it: {@code auto}, {@code off}, or the duration in its largest whole unit ({@code 5m}, {@code 200ms}). */
    @Override
    public String toString() {
        return auto ? "auto" : every.map(CheckpointInterval::text).orElse("off");
    }

    private static String text(Duration duration) {
        long millis = duration.toMillis();
        if (duration.toNanos() % 1_000_000 != 0) {
            return duration.toNanos() + "ns";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
