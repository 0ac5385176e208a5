package dev.ftindex.server;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.ftindex.format.WireEnum;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One update of what the server serves: a generation it resolved, through the steps from
 * {@link Step#RESOLVING} to {@link Step#SWAPPING}. Written by the updater thread, read by
 * {@code /health} from any thread.
 */
final class Update {
    enum Status implements WireEnum {
        QUEUED, RUNNING, COMPLETE, FAILED;
    }

    enum Step implements WireEnum {
        RESOLVING, FETCHING, VERIFYING, OPENING, WARMING, SWAPPING;
    }

    private final Clock clock;
    private final String generation;
    private final int attempt;
    private final Instant startedAt;
    private final long startNanos = System.nanoTime();
    private final Progress progress = new Progress();
    private final List<StepTime> steps = new ArrayList<>();
    private volatile String indexId;
    private volatile Status status = Status.QUEUED;
    private volatile Step step = Step.RESOLVING;
    private volatile Stage stage;
    private volatile Stage lastFilesStage;
    private volatile Instant updatedAt;
    private volatile long stepStartNanos = startNanos;
    private volatile long elapsedNanos = -1;
    private volatile String message;
    private volatile Instant nextRetryAt;

    Update(Clock clock, String generation, int attempt) {
        this.clock = clock;
        this.generation = generation;
        this.attempt = attempt;
        this.startedAt = clock.instant();
        this.updatedAt = startedAt;
        progress.listen(new Progress.Listener() {
            @Override
            public void stageStarted(Stage started) {
                stage = started;
                touch();
            }

            @Override
            public void stageFinished(Stage finished) {
                if (finished.unit() == Unit.FILES) {
                    lastFilesStage = finished;
                }
                touch();
            }
        });
    }

    String generation() {
        return generation;
    }

    Status status() {
        return status;
    }

    /** The progress the steps count into (the cache's fetch opens its own stage in it). */
    Progress progress() {
        return progress;
    }

    void indexId(String id) {
        this.indexId = id;
        touch();
    }

    String indexId() {
        return indexId;
    }

    /** Moves to {@code next}; the step that ends is timed. */
    synchronized void step(Step next) {
        long now = System.nanoTime();
        if (status == Status.RUNNING) {
            steps.add(new StepTime(step, (now - stepStartNanos) / 1_000_000));
        }
        status = Status.RUNNING;
        step = next;
        stepStartNanos = now;
        stage = null;
        touch();
    }

    synchronized void complete(String text) {
        finish(Status.COMPLETE, text);
    }

    synchronized void fail(String text) {
        finish(Status.FAILED, text);
    }

    /** Fails this update; the next attempt of the same generation waits until {@code retryAt}. */
    synchronized void fail(String text, Instant retryAt) {
        nextRetryAt = retryAt;
        finish(Status.FAILED, text);
    }

    /** When a failed update may be tried again; null if it has not failed, or may be tried at once. */
    Instant nextRetryAt() {
        return nextRetryAt;
    }

    int attempt() {
        return attempt;
    }

    /** What it ended with: the error of a failed update. */
    String message() {
        return message;
    }

    private void finish(Status end, String text) {
        long now = System.nanoTime();
        if (status == Status.RUNNING) {
            steps.add(new StepTime(step, (now - stepStartNanos) / 1_000_000));
        }
        status = end;
        message = text;
        elapsedNanos = now - startNanos;
        touch();
    }

    boolean finished() {
        return status == Status.COMPLETE || status == Status.FAILED;
    }

    /** Milliseconds from the start to now, or to the end once finished (frozen). */
    long elapsedMillis() {
        long elapsed = elapsedNanos >= 0 ? elapsedNanos : System.nanoTime() - startNanos;
        return elapsed / 1_000_000;
    }

    private void touch() {
        updatedAt = clock.instant();
    }

    /** What {@code /health} shows of this update, now. */
    synchronized View view() {
        Stage counted = stage != null && stage.unit() == Unit.FILES ? stage : lastFilesStage;
        long filesDone = 0;
        long filesTotal = 0;
        long bytesDone = 0;
        long bytesTotal = 0;
        if (counted != null && counted.unit() == Unit.FILES) {
            filesDone = counted.items();
            filesTotal = Math.max(counted.totalItems(), 0);
            bytesDone = counted.bytes();
            bytesTotal = Math.max(counted.totalBytes(), 0);
        }
        return new View(generation, indexId, attempt, status, step, filesDone, filesTotal, bytesDone, bytesTotal, startedAt.toString(),
                updatedAt.toString(), elapsedMillis(), message, nextRetryAt == null ? null : nextRetryAt.toString(), List.copyOf(steps));
    }

    /**
     * @param stage the step it is at, or ended at
     * @param filesDone and the other counts: of the last step that counts files (fetching, verifying)
     * @param elapsedMs from the start to now, frozen once finished
     * @param nextRetryAt for a failed update, when the server tries the same generation again
     *     (sooner if the alias moves)
     * @param steps each step that ended, with how long it took
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record View(String generation, String indexId, int attempt, Status status, Step stage, long filesDone, long filesTotal, long bytesDone,
            long bytesTotal, String startedAt, String updatedAt, long elapsedMs, String message, String nextRetryAt, List<StepTime> steps) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record StepTime(Step stage, long elapsedMs) {}
}
