package dev.ftindex.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the parallel steps of the protocols (uploads, copies, checks, fetches) with one failure
 * rule: wait for every task, report the first failure, attach the later ones to it as
 * suppressed, and cancel what has not started. An {@link Error} (an injected crash, an out of
 * memory) is rethrown at once, as a dead process would not wait for its siblings.
 */
public final class Tasks {
    private Tasks() {}

    /** A fixed pool of daemon threads named {@code name-<n>}. */
    public static ExecutorService pool(int threads, String name) {
        AtomicInteger count = new AtomicInteger();
        return Executors.newFixedThreadPool(Math.max(1, threads), runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs every task on {@code pool} and returns their results in order. */
    public static <T> List<T> runAll(ExecutorService pool, List<? extends Callable<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        tasks.forEach(task -> futures.add(pool.submit(task)));
        List<T> results = new ArrayList<>(tasks.size());
        RuntimeException failure = null;
        for (Future<T> future : futures) {
            try {
                results.add(future.get());
            } catch (ExecutionException e) {
                RuntimeException cause = unchecked(e.getCause(), futures);
                if (failure == null) {
                    failure = cause;
                    futures.forEach(other -> other.cancel(true));
                } else if (cause != failure) {
                    failure.addSuppressed(cause);
                }
            } catch (CancellationException cancelled) {
                // Cancelled after the first failure, which is the one reported.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(other -> other.cancel(true));
                throw new TransientStorageException("tasks", null, "interrupted", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    private static RuntimeException unchecked(Throwable cause, List<? extends Future<?>> futures) {
        return switch (cause) {
            case Error error -> {
                futures.forEach(other -> other.cancel(true));
                throw error;
            }
            case RuntimeException runtime -> runtime;
            case IOException io -> new UncheckedIOException(io);
            default -> new IllegalStateException(cause);
        };
    }
}
