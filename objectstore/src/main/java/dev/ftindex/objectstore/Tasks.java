package dev.ftindex.objectstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the parallel steps of the protocols (uploads, copies, checks, fetches) with one failure
 * rule: wait for every task that started, skip those that had not when one failed, report the
 * first failure and attach the later ones to it as suppressed. An {@link Error} (an injected
 * crash, an out of memory) is rethrown at once, as a dead process would not wait for its
 * siblings.
 */
public final class Tasks {
    private Tasks() {}

    /** A fixed pool of daemon threads named {@code name-<n>}. */
    public static ExecutorService pool(int threads, String name) {
        return Executors.newFixedThreadPool(Math.max(1, threads), daemons(name));
    }

    /** One daemon thread named {@code name-1} that runs tasks at fixed delays (a poller). */
    public static ScheduledExecutorService scheduled(String name) {
        return Executors.newSingleThreadScheduledExecutor(daemons(name));
    }

    /** A new virtual thread per task, named {@code name-<n>}: for work that mostly waits (HTTP exchanges). */
    public static ExecutorService virtual(String name) {
        return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 1).factory());
    }

    /** Daemon threads named {@code name-<n>}: every thread ftindex starts is named after its job and never keeps the JVM alive. */
    public static ThreadFactory daemons(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Runs each task on the calling thread, when it is submitted: for callers with nothing to run in parallel. */
    public static ExecutorService sameThread() {
        return SameThread.INSTANCE;
    }

    private static final class SameThread extends java.util.concurrent.AbstractExecutorService {
        static final SameThread INSTANCE = new SameThread();

        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void shutdown() {}

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) {
            return false;
        }
    }

    /**
     * Runs every task on {@code pool} and returns their results in order. After a failure, tasks
     * that have not started are skipped, and this returns only once every task that did start has
     * ended: a caller that cleans up after a failure must not race with an upload still running.
     */
    public static <T> List<T> runAll(ExecutorService pool, List<? extends Callable<T>> tasks) {
        AtomicBoolean failed = new AtomicBoolean();
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        for (Callable<T> task : tasks) {
            futures.add(pool.submit(() -> {
                if (failed.get()) {
                    throw SKIPPED;
                }
                try {
                    return task.call();
                } catch (Exception | Error e) {
                    failed.set(true);
                    throw e;
                }
            }));
        }
        List<T> results = new ArrayList<>(tasks.size());
        RuntimeException failure = null;
        for (Future<T> future : futures) {
            try {
                results.add(future.get());
            } catch (ExecutionException e) {
                if (e.getCause() == SKIPPED) {
                    continue;
                }
                RuntimeException cause = unchecked(e.getCause(), futures);
                if (failure == null) {
                    failure = cause;
                } else if (cause != failure) {
                    failure.addSuppressed(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed.set(true);
                futures.forEach(other -> other.cancel(true));
                throw new TransientStorageException("tasks", null, "interrupted", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    /** What a task that never started "throws"; never seen by callers. */
    private static final RuntimeException SKIPPED = new Skipped();

    private static final class Skipped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skipped() {
            super("skipped after an earlier failure", null, false, false);
        }
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
