package dev.ftindex.objectstore;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests a store sends, by operation, and how many of them were retries or were
 * answered with throttling or a server error. For S3 these are real HTTP requests (every part
 * of a multipart upload counts, every retry counts); for the local and in-memory stores they are
 * calls. Thread-safe.
 */
public final class RequestMetrics {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder retries = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private final LongAdder serverErrors = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();

    public void request(String operation) {
        requests.computeIfAbsent(operation, ignored -> new LongAdder()).increment();
    }

    public void retry() {
        retries.increment();
    }

    /** Records object bytes that passed through this process: received, and sent. */
    public void bytes(long read, long written) {
        bytesRead.add(read);
        bytesWritten.add(written);
    }

    /** Records an HTTP status of an answered request (only errors are kept). */
    public void status(int status) {
        if (status == 429 || status == 503) {
            throttled.increment();
        } else if (status >= 500) {
            serverErrors.increment();
        }
    }

    public Snapshot snapshot() {
        Map<String, Long> byOperation = new TreeMap<>();
        requests.forEach((operation, count) -> byOperation.put(operation, count.sum()));
        long total = byOperation.values().stream().mapToLong(Long::longValue).sum();
        return new Snapshot(byOperation, total, retries.sum(), throttled.sum(), serverErrors.sum(), bytesRead.sum(), bytesWritten.sum());
    }

    /**
     * @param byOperation requests by operation name ({@code GetObject}, {@code CopyObject}, ...)
     * @param total every request, retries included
     * @param retries requests that repeated an earlier failed one
     * @param throttled responses 429 or 503 (SlowDown)
     * @param serverErrors other 5xx responses
     * @param bytesRead object bytes received by this process
     * @param bytesWritten request bytes sent by this process
     */
    public record Snapshot(Map<String, Long> byOperation, long total, long retries, long throttled, long serverErrors,
                           long bytesRead, long bytesWritten) {
        public Snapshot {
            byOperation = Collections.unmodifiableSortedMap(new TreeMap<>(byOperation));
        }

        public long count(String operation) {
            return byOperation.getOrDefault(operation, 0L);
        }

        /** What happened between {@code earlier} and this snapshot. */
        public Snapshot minus(Snapshot earlier) {
            Map<String, Long> delta = new TreeMap<>();
            byOperation.forEach((operation, count) -> {
                long d = count - earlier.count(operation);
                if (d != 0) {
                    delta.put(operation, d);
                }
            });
            return new Snapshot(delta, total - earlier.total, retries - earlier.retries,
                    throttled - earlier.throttled, serverErrors - earlier.serverErrors,
                    bytesRead - earlier.bytesRead, bytesWritten - earlier.bytesWritten);
        }
    }
}
