package dev.ftindex.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.ByteSizes;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Scope;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.Tasks;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Everything ftindex writes to stderr: log lines, and progress rendered as a redrawn bar (on a
 * terminal), JSON lines ({@code --progress json}), or a plain line every few seconds. Log lines
 * clear the bar before printing and it is redrawn after them.
 *
 * <p>For log collectors (a container's stderr): with {@code --progress json} every line is one
 * JSON object, progress and log alike, carrying the time, the verb, the index root and, where
 * there is one, the partition and attempt (docs/FORMAT.md, "Progress lines"); off a terminal, a
 * warning or error line carries the same in text.
 */
final class Console implements AutoCloseable, Progress.Listener {
    enum Mode { BAR, JSON, PLAIN, NONE }

    private final PrintStream err;
    private final Mode mode;
    private final Level level;
    private final String verb;
    private volatile String root;
    private volatile Scope scope = Scope.NONE;
    private final Progress progress = new Progress();
    private final ScheduledExecutorService ticker;
    private final long start = System.nanoTime();
    private int barLength;
    private long lastPlain = System.nanoTime();

    Console(PrintStream err, Mode mode, Level level, String verb) {
        this.err = err;
        this.mode = mode;
        this.level = level;
        this.verb = verb;
        progress.listen(this);
        if (mode == Mode.NONE) {
            ticker = null;
        } else {
            ticker = Tasks.scheduled("progress");
            long period = mode == Mode.BAR ? 200 : 1000;
            ticker.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
        }
    }

    static Mode mode(String requested, boolean terminal) {
        return switch (requested.toLowerCase(Locale.ROOT)) {
            case "auto" -> terminal ? Mode.BAR : Mode.PLAIN;
            case "bar" -> Mode.BAR;
            case "json" -> Mode.JSON;
            case "plain" -> Mode.PLAIN;
            case "none" -> Mode.NONE;
            default -> throw new UsageException("--progress must be auto, bar, json, plain or none, not '" + requested + "'");
        };
    }

    Progress progress() {
        return progress;
    }

    /** The index root (or collection) this run works on, once the verb has opened it. */
    void root(String location) {
        this.root = location;
    }

    /** The partition and attempt of the whole run (one worker's {@code build-partition}). */
    void scope(Scope runScope) {
        this.scope = runScope;
    }

    /** A summary line for people; --quiet leaves it out. */
    void info(String message) {
        if (level.intValue() <= Level.INFO.intValue()) {
            log(message);
        }
    }

    /** A line for people, whatever the level (a failure's cause, what verify found). */
    void log(String message) {
        write(Level.INFO, message);
    }

    void warn(String message) {
        write(Level.WARNING, message);
    }

    void error(String message) {
        write(Level.SEVERE, message);
    }

    private synchronized void write(Level severity, String message) {
        clearBar();
        String kind = severity.intValue() >= Level.SEVERE.intValue() ? "error" : severity.intValue() >= Level.WARNING.intValue() ? "warning" : "info";
        if (mode == Mode.JSON) {
            ObjectNode line = context(Scope.NONE);
            line.put("event", "log");
            line.put("level", kind);
            line.put("message", message);
            err.println(line);
        } else if (!kind.equals("info") && mode != Mode.BAR) {
            err.println("ftindex: " + textContext() + kind + ": " + message);
        } else {
            err.println("ftindex: " + (kind.equals("warning") ? "warning: " : "") + message);
        }
        err.flush();
    }

    /** The members every JSON line starts with: time, verb, index root, and partition and attempt where there is one. */
    private ObjectNode context(Scope stageScope) {
        // An ObjectNode keeps this order (the shared mapper sorts maps).
        ObjectNode line = Json.COMPACT.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("verb", verb);
        if (root != null) {
            line.put("index", root);
        }
        Scope whose = stageScope.partition() != null ? stageScope : scope;
        if (whose.partition() != null) {
            line.put("partition", whose.partition());
        }
        if (whose.attempt() != null) {
            line.put("attempt", whose.attempt());
        }
        return line;
    }

    /** The same context for a text line: "2026-12-03T10:00:00Z build-partition s3://b/idx/ partition 3 attempt ...: ". */
    private String textContext() {
        StringBuilder text = new StringBuilder(Instant.now().toString()).append(' ').append(verb);
        if (root != null) {
            text.append(' ').append(root);
        }
        if (scope.partition() != null) {
            text.append(" partition ").append(scope.partition());
        }
        if (scope.attempt() != null) {
            text.append(" attempt ").append(scope.attempt());
        }
        return text.append(": ").toString();
    }

    @Override
    public synchronized void stageStarted(Stage stage) {
        if (mode == Mode.JSON) {
            event("stage-start", List.of(stage));
        }
    }

    @Override
    public synchronized void stageFinished(Stage stage) {
        switch (mode) {
            case JSON -> event("stage-end", List.of(stage));
            case BAR, PLAIN -> {
                clearBar();
                err.println("ftindex: " + describe(stage.name(), List.of(stage)) + " done");
                err.flush();
            }
            case NONE -> {}
        }
    }

    private synchronized void tick() {
        List<Stage> open = progress.open();
        if (open.isEmpty()) {
            return;
        }
        switch (mode) {
            case BAR -> {
                String line = render(open);
                clearBar();
                err.print(line);
                err.flush();
                barLength = line.length();
            }
            case JSON -> event("progress", open);
            case PLAIN -> {
                if (System.nanoTime() - lastPlain >= 10_000_000_000L) {
                    lastPlain = System.nanoTime();
                    err.println("ftindex: " + render(open));
                    err.flush();
                }
            }
            case NONE -> {}
        }
    }

    private void clearBar() {
        if (barLength > 0) {
            err.print("\r" + " ".repeat(barLength) + "\r");
            barLength = 0;
        }
    }

    /** Open stages grouped by name: "indexing x4: 12,345 docs, 4,567 docs/s, 12.3 MB | uploading: 3/8 files". */
    private String render(List<Stage> open) {
        Map<String, List<Stage>> byName = new LinkedHashMap<>();
        open.forEach(stage -> byName.computeIfAbsent(stage.name(), name -> new ArrayList<>()).add(stage));
        List<String> parts = new ArrayList<>();
        byName.forEach((name, stages) -> parts.add(describe(name, stages)));
        String text = String.join(" | ", parts) + " [" + elapsed((System.nanoTime() - start) / 1e9) + "]";
        return text.length() > 160 ? text.substring(0, 157) + "..." : text;
    }

    private static String describe(String name, List<Stage> stages) {
        long items = 0;
        long totalItems = 0;
        long bytes = 0;
        long totalBytes = 0;
        double seconds = 0;
        for (Stage stage : stages) {
            items += stage.items();
            bytes += stage.bytes();
            totalItems = totalItems < 0 || stage.totalItems() < 0 ? -1 : totalItems + stage.totalItems();
            totalBytes = totalBytes < 0 || stage.totalBytes() < 0 ? -1 : totalBytes + stage.totalBytes();
            seconds = Math.max(seconds, stage.elapsedSeconds());
        }
        String unit = stages.getFirst().unit().json();
        StringBuilder text = new StringBuilder(name);
        if (stages.size() > 1) {
            text.append(" x").append(stages.size());
        }
        text.append(": ");
        if (totalBytes > 0) {
            text.append(bar(bytes, totalBytes)).append(' ');
        } else if (totalItems > 0) {
            text.append(bar(items, totalItems)).append(' ');
        }
        text.append(String.format(Locale.ROOT, "%,d", items));
        if (totalItems > 0) {
            text.append(String.format(Locale.ROOT, "/%,d", totalItems));
        }
        text.append(' ').append(unit);
        if (bytes > 0) {
            text.append(", ").append(size(bytes));
            if (totalBytes > 0) {
                text.append(" of ").append(size(totalBytes));
            }
        }
        if (seconds > 0.5 && items > 0) {
            text.append(String.format(Locale.ROOT, ", %,.0f %s/s", items / seconds, unit));
        }
        if (seconds > 0.5 && bytes > 0) {
            text.append(", ").append(size((long) (bytes / seconds))).append("/s");
        }
        text.append(", ").append(elapsed(seconds));
        return text.toString();
    }

    private void event(String kind, List<Stage> stages) {
        for (Stage stage : stages) {
            ObjectNode event = context(stage.scope());
            event.put("event", kind);
            event.put("stage", stage.name());
            event.put("unit", stage.unit().json());
            event.put("items", stage.items());
            event.put("totalItems", stage.totalItems());
            event.put("bytes", stage.bytes());
            event.put("totalBytes", stage.totalBytes());
            double seconds = stage.elapsedSeconds();
            event.put("elapsedSeconds", Math.round(seconds * 1000) / 1000.0);
            event.put("itemsPerSecond", seconds > 0 ? Math.round(stage.items() / seconds) : 0);
            event.put("bytesPerSecond", seconds > 0 ? Math.round(stage.bytes() / seconds) : 0);
            err.println(event.toString());
        }
        err.flush();
    }

    private static String bar(long done, long total) {
        int width = 20;
        int filled = (int) Math.min(width, Math.round(width * (double) done / total));
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + Math.min(100, Math.round(100.0 * done / total)) + "%";
    }

    static String size(long bytes) {
        return ByteSizes.format(bytes);
    }

    private static String elapsed(double seconds) {
        long total = (long) seconds;
        return total >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
                : String.format(Locale.ROOT, "%d:%02d", total / 60, total % 60);
    }

    /**
     * Routes java.util.logging (ours, and the AWS SDK's through SLF4J) to {@link #log} until the
     * returned handle is closed: a handler on the root logger, ftindex's loggers at this console's
     * level, everything else from warnings up. Nothing global is reset; closing restores the
     * levels it changed.
     */
    Logging routeLogging() {
        return new Logging();
    }

    /** The routing of {@link #routeLogging}; closing it removes the handler and restores the levels. */
    final class Logging implements AutoCloseable {
        private final Logger root = Logger.getLogger("");
        private final Logger ours = Logger.getLogger("dev.ftindex");
        /**
         * Lucene warns once per process that the vector incubator module is not readable; the
         * launcher leaves it out on purpose (it does not pay here, docs/benchmarks.md), so the
         * warning would only be noise before every answer. Held here: a logger's level lasts as
         * long as a reference to it.
         */
        private final Logger vectorization = Logger.getLogger("org.apache.lucene.internal.vectorization");
        private final Level vectorizationLevel = vectorization.getLevel();
        private final Level rootLevel = root.getLevel();
        private final Level ourLevel = ours.getLevel();
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (!isLoggable(record)) {
                    return;
                }
                String message = getFormatter().formatMessage(record);
                write(record.getLevel(), message + (record.getThrown() != null ? " (" + record.getThrown() + ")" : ""));
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {}
        };

        private Logging() {
            handler.setFormatter(new Formatter() {
                @Override
                public String format(LogRecord record) {
                    return formatMessage(record);
                }
            });
            handler.setLevel(Level.ALL);
            root.setLevel(Level.WARNING);
            ours.setLevel(level);
            vectorization.setLevel(Level.SEVERE);
            root.addHandler(handler);
        }

        @Override
        public void close() {
            root.removeHandler(handler);
            root.setLevel(rootLevel);
            ours.setLevel(ourLevel);
            vectorization.setLevel(vectorizationLevel);
        }
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        clearBar();
        err.flush();
    }
}
