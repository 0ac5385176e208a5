package dev.ftindex.format.progress;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/** One named step of a run, with its counts so far. Close it when the step is done. */
public final class Stage implements AutoCloseable {
    private final Progress progress;
    private final String name;
    private final Unit unit;
    private final Scope scope;
    private volatile long totalItems;
    private volatile long totalBytes;
    private final LongAdder items = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final long startNanos = System.nanoTime();
    private volatile long endNanos;
    private final AtomicBoolean finished = new AtomicBoolean();

    Stage(Progress progress, String name, Unit unit, Scope scope, long totalItems, long totalBytes) {
        this.progress = progress;
        this.name = name;
        this.unit = unit;
        this.scope = scope;
        this.totalItems = totalItems;
        this.totalBytes = totalBytes;
    }

    public void add(long itemCount, long byteCount) {
        items.add(itemCount);
        bytes.add(byteCount);
    }

    public void totals(long itemCount, long byteCount) {
        this.totalItems = itemCount;
        this.totalBytes = byteCount;
    }

    public String name() {
        return name;
    }

    public Unit unit() {
        return unit;
    }

    public long items() {
        return items.sum();
    }

    public long bytes() {
        return bytes.sum();
    }

    public long totalItems() {
        return totalItems;
    }

    /**
     * The bytes expected, or -1 if unknown; never fewer than {@link #bytes()} (a worker reads its
     * split's last record to its end, past the split's own bytes).
     */
    public long totalBytes() {
        long total = totalBytes;
        return total < 0 ? total : Math.max(total, bytes.sum());
    }

    /** Whose work this stage is. */
    public Scope scope() {
        return scope;
    }

    public double elapsedSeconds() {
        long end = finished.get() ? endNanos : System.nanoTime();
        return (end - startNanos) / 1e9;
    }

    public boolean finished() {
        return finished.get();
    }

    @Override
    public void close() {
        if (finished.compareAndSet(false, true)) {
            endNanos = System.nanoTime();
            progress.finished(this);
        }
    }
}
