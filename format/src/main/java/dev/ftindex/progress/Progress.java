package dev.ftindex.progress;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where long-running work says how far it is. Work opens one {@link Stage} at a time and counts
 * items and bytes into it from any thread; a renderer (a terminal bar, JSON lines) samples the
 * current stage on its own clock, so counting costs two atomic adds and nothing is printed from
 * the hot path.
 */
public final class Progress {
    /** Told when stages start and end. */
    public interface Listener {
        void stageStarted(Stage stage);

        void stageFinished(Stage stage);
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Stage current;

    public static Progress silent() {
        return new Progress();
    }

    public Progress listen(Listener listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * Starts a stage; the previous one, if still open, is finished first.
     *
     * @param unit what items are ("docs", "files")
     * @param totalItems how many items are expected, or -1 if unknown
     * @param totalBytes how many bytes are expected, or -1 if unknown
     */
    public Stage stage(String name, String unit, long totalItems, long totalBytes) {
        Stage previous = current;
        if (previous != null && !previous.finished()) {
            previous.close();
        }
        Stage stage = new Stage(this, name, unit, totalItems, totalBytes);
        current = stage;
        listeners.forEach(listener -> listener.stageStarted(stage));
        return stage;
    }

    /** The stage in progress, if any. */
    public Optional<Stage> current() {
        Stage stage = current;
        return stage == null || stage.finished() ? Optional.empty() : Optional.of(stage);
    }

    void finished(Stage stage) {
        listeners.forEach(listener -> listener.stageFinished(stage));
    }
}
