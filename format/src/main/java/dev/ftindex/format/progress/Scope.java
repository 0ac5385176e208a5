package dev.ftindex.format.progress;

/**
 * Whose work a stage is: the partition and the attempt building it, where there is one (a worker,
 * one of {@code build}'s local workers). Progress lines and log lines carry it, so that a log
 * collector can tell the workers of one build apart.
 *
 * @param partition the worker's partition id, or null
 * @param attempt the attempt id, or null
 */
public record Scope(Long partition, String attempt) {
    public static final Scope NONE = new Scope(null, null);

    public static Scope worker(long partition, String attempt) {
        return new Scope(partition, attempt);
    }
}
