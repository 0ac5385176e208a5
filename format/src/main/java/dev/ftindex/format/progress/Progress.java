package dev.ftindex.format.progress;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where long-running work says how far it is. Work opens {@link Stage}s (several may be open at
 * once, e.g. one per worker of a local build) and counts items and bytes into them from any
 * thread; a renderer (a terminal bar, JSON lines) samples the open stages on its own clock, so
 * counting costs two atomic adds and nothing is printed from the hot path.
 */
public final class Progress {
    /** Told when stages start and end. */
    public interface Listener {
        void stageStarted(Stage stage);

        void stageFinished(Stage stage);
    }

    private final List<Listener> listeners;
    private final List<Stage> open;
    private final Scope scope;

    public Progress() {
        this(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(), Scope.NONE);
    }

    private Progress(List<Listener> listeners, List<Stage> open, Scope scope) {
        this.listeners = listeners;
        this.open = open;
        this.scope = scope;
    }

    public static Progress silent() {
        return new Progress();
    }

    /** This progress, for the work of {@code scope}: stages opened through the view carry it; listeners and open stages are shared. */
    public Progress within(Scope scope) {
        return new Progress(listeners, open, scope);
    }

    public Progress listen(Listener listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * Starts a stage. Close it when the step is done.
     *
     * @param unit what items are ("docs", "files")
     * @param totalItems how many items are expected, or -1 if unknown
     * @param totalBytes how many bytes are expected, or -1 if unknown
     */
    public Stage stage(String name, Unit unit, long totalItems, long totalBytes) {
        Stage stage = new Stage(this, name, unit, scope, totalItems, totalBytes);
        open.add(stage);
        listeners.forEach(listener -> listener.stageStarted(stage));
        return stage;
    }

    /** The stages in progress, oldest first. */
    public List<Stage> open() {
        return List.copyOf(open);
    }

    void finished(Stage stage) {
        open.remove(stage);
        listeners.forEach(listener -> listener.stageFinished(stage));
    }
}
