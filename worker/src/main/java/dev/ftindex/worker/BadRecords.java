package dev.ftindex.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** Records skipped with {@code --skip-bad-records}: how many, and where the first few were. */
final class BadRecords {
    private final int keep;
    private final LongAdder count = new LongAdder();
    private final List<String> first = new ArrayList<>();

    BadRecords(int keep) {
        this.keep = keep;
    }

    void add(String location) {
        count.increment();
        synchronized (first) {
            if (first.size() < keep) {
                first.add(location);
            }
        }
    }

    /** Takes over what a checkpoint recorded: the records it had skipped are counted once, here. */
    void resume(long skipped, List<String> examples) {
        count.add(skipped);
        synchronized (first) {
            for (String example : examples) {
                if (first.size() < keep) {
                    first.add(example);
                }
            }
        }
    }

    long count() {
        return count.sum();
    }

    List<String> first() {
        synchronized (first) {
            return List.copyOf(first);
        }
    }
}
