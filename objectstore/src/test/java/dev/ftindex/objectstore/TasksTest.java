package dev.ftindex.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TasksTest {
    private final ExecutorService pool = Tasks.pool(2, "tasks-test");

    @AfterEach
    void shutDown() {
        pool.shutdownNow();
    }

    @Test
    void returnsResultsInTaskOrder() {
        List<Callable<Integer>> tasks = List.of(() -> 1, () -> 2, () -> 3, () -> 4, () -> 5);

        assertThat(Tasks.runAll(pool, tasks)).containsExactly(1, 2, 3, 4, 5);
    }

    /**
     * The worker removes its attempt's files after a failed upload: if a sibling upload still ran
     * when the failure was reported, its object would land after the cleanup and be left behind.
     */
    @Test
    void aFailureIsReportedOnlyAfterTheTasksStillRunningHaveEnded() throws Exception {
        CountDownLatch slowStarted = new CountDownLatch(1);
        AtomicBoolean slowEnded = new AtomicBoolean();
        AtomicInteger started = new AtomicInteger();
        Callable<String> slow = () -> {
            started.incrementAndGet();
            slowStarted.countDown();
            // Not interruptible on purpose, like an HTTP upload already on the wire.
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            slowEnded.set(true);
            return "slow";
        };
        Callable<String> failing = () -> {
            started.incrementAndGet();
            slowStarted.await();
            throw new TransientStorageException("test", "key", "injected", null);
        };
        Callable<String> later = () -> {
            started.incrementAndGet();
            return "later";
        };

        assertThatThrownBy(() -> Tasks.runAll(pool, List.of(failing, slow, later, later, later)))
                .isInstanceOf(TransientStorageException.class)
                .hasMessageContaining("injected");

        assertThat(slowEnded).as("the slow task had ended when the failure was reported").isTrue();
        assertThat(started.get()).as("tasks queued behind the failure are skipped").isEqualTo(2);
    }

    @Test
    void laterFailuresAreAttachedToTheFirst() {
        CountDownLatch bothRunning = new CountDownLatch(2);
        Callable<String> first = () -> {
            bothRunning.countDown();
            bothRunning.await();
            throw new TransientStorageException("test", "a", "first", null);
        };
        Callable<String> second = () -> {
            bothRunning.countDown();
            bothRunning.await();
            throw new PermanentStorageException("test", "b", "second", null);
        };

        assertThatThrownBy(() -> Tasks.runAll(pool, List.of(first, second)))
                .hasMessageContaining("first")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .satisfies(suppressed -> assertThat(suppressed).hasMessageContaining("second")));
    }
}
