package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The one retry policy of ftindex: exponential backoff with full jitter (each wait is uniform in
 * {@code [0, min(maxDelay, baseDelay * 2^(n-1))]}), bounded by a number of attempts and by the
 * time elapsed since the first, retrying only what the predicate calls retryable. Every retry
 * loop in the code is one of these; the S3 client's own retries are configured with the same
 * shape ({@link S3Settings}), and docs/PROTOCOL.md adds them up to the worst case of one
 * operation.
 *
 * <pre>{@code
 * Retry.onTransient().attempts(3).run(attempt -> store.putIfAbsent(key, payload));
 * }</pre>
 */
public final class Retry {
    private final int attempts;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private final Duration maxElapsed;
    private final Predicate<? super Exception> retryable;

    private Retry(int attempts, Duration baseDelay, Duration maxDelay, Duration maxElapsed, Predicate<? super Exception> retryable) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be positive: " + attempts);
        }
        this.attempts = attempts;
        this.baseDelay = requireNonNull(baseDelay, "baseDelay is null");
        this.maxDelay = requireNonNull(maxDelay, "maxDelay is null");
        this.maxElapsed = requireNonNull(maxElapsed, "maxElapsed is null");
        this.retryable = requireNonNull(retryable, "retryable is null");
    }

    /** Retries {@link TransientStorageException}: 3 attempts, 100 ms base, 2 s cap, 60 s in all. */
    public static Retry onTransient() {
        return new Retry(3, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(60),
                e -> e instanceof TransientStorageException);
    }

    /** Retries what {@code retryable} accepts, at once (a race to look at again, not a store to wait for). */
    public static Retry immediately(int attempts, Predicate<? super Exception> retryable) {
        return new Retry(attempts, Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1), retryable);
    }

    public Retry attempts(int count) {
        return new Retry(count, baseDelay, maxDelay, maxElapsed, retryable);
    }

    public Retry backoff(Duration base, Duration max) {
        return new Retry(attempts, base, max, maxElapsed, retryable);
    }

    public Retry maxElapsed(Duration elapsed) {
        return new Retry(attempts, baseDelay, maxDelay, elapsed, retryable);
    }

    /** This policy, also retrying what {@code more} accepts. */
    public Retry alsoOn(Predicate<? super Exception> more) {
        Predicate<? super Exception> current = retryable;
        return new Retry(attempts, baseDelay, maxDelay, maxElapsed, e -> current.test(e) || more.test(e));
    }

    public int maxAttempts() {
        return attempts;
    }

    /** The longest this policy can wait in all between attempts (not counting the attempts themselves). */
    public Duration worstCaseWaiting() {
        Duration total = Duration.ZERO;
        for (int n = 1; n < attempts; n++) {
            total = total.plus(cap(n));
        }
        return total.compareTo(maxElapsed) < 0 ? total : maxElapsed;
    }

    /**
     * The longest wait after {@code failures} failed attempts: the base doubled {@code failures - 1}
     * times, at most the cap. For a loop that schedules its next attempt instead of sleeping (the
     * server's updates), and shows when it will be.
     */
    public Duration ceiling(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures count from 1: " + failures);
        }
        return cap(failures);
    }

    /** One try; {@code attempt} counts from 1. */
    @FunctionalInterface
    public interface Attempt<T, E extends Exception> {
        T run(int attempt) throws E;
    }

    /**
     * Runs {@code attempt} until it returns, throws something not retryable, or the attempts or
     * the elapsed time run out; then the last failure is thrown, with the earlier ones attached as
     * suppressed.
     */
    public <T, E extends Exception> T run(Attempt<T, E> attempt) throws E {
        long deadline = System.nanoTime() + maxElapsed.toNanos();
        E first = null;
        for (int n = 1; ; n++) {
            try {
                return attempt.run(n);
            } catch (Exception e) {
                @SuppressWarnings("unchecked")
                E failure = (E) e;
                if (!retryable.test(e) || n >= attempts) {
                    throw attach(failure, first);
                }
                long wait = jitter(n);
                if (System.nanoTime() + wait > deadline) {
                    throw attach(failure, first);
                }
                if (first == null) {
                    first = failure;
                } else if (first != failure) {
                    first.addSuppressed(failure);
                }
                sleep(wait);
            }
        }
    }

    private static <E extends Exception> E attach(E last, E earlier) {
        if (earlier != null && earlier != last) {
            last.addSuppressed(earlier);
        }
        return last;
    }

    /** The longest wait before attempt {@code n + 1}: the base doubled {@code n - 1} times, at most the cap. */
    private Duration cap(int n) {
        long max = maxDelay.toNanos();
        long delay = Math.min(baseDelay.toNanos(), max);
        for (int i = 1; i < n && delay < max; i++) {
            delay = delay > max / 2 ? max : delay * 2;
        }
        return Duration.ofNanos(delay);
    }

    private long jitter(int n) {
        return delay(n, ThreadLocalRandom.current().nextDouble()).toNanos();
    }

    /** The wait before attempt {@code n + 1} for a uniform draw {@code u} in {@code [0, 1)}: full jitter below the cap. */
    Duration delay(int n, double u) {
        return Duration.ofNanos((long) (u * cap(n).toNanos()));
    }

    private static void sleep(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientStorageException("retry", null, "interrupted while waiting to retry", e);
        }
    }
}
