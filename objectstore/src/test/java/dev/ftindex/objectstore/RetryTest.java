package dev.ftindex.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryTest {
    private static TransientStorageException transientFailure(int n) {
        return new TransientStorageException("memory://", "k", "503 #" + n, null);
    }

    @Test
    void transientFailuresAreRetriedUntilOneSucceeds() {
        AtomicInteger calls = new AtomicInteger();

        String result = Retry.onTransient().attempts(5).backoff(Duration.ZERO, Duration.ZERO).run(attempt -> {
            if (calls.incrementAndGet() < 3) {
                throw transientFailure(attempt);
            }
            return "done at " + attempt;
        });

        assertThat(result).isEqualTo("done at 3");
        assertThat(calls).hasValue(3);
    }

    @Test
    void theLastFailureIsThrownWithTheEarlierOnesAttached() {
        assertThatThrownBy(() -> Retry.onTransient().attempts(3).backoff(Duration.ZERO, Duration.ZERO).run(attempt -> {
            throw transientFailure(attempt);
        }))
                .isInstanceOf(TransientStorageException.class)
                .hasMessageContaining("#3")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement().satisfies(first -> {
                    assertThat(first).hasMessageContaining("#1");
                    assertThat(first.getSuppressed()).singleElement().satisfies(second -> assertThat(second).hasMessageContaining("#2"));
                }));
    }

    @Test
    void whatIsNotRetryableIsThrownAtOnce() {
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> Retry.onTransient().attempts(5).run(attempt -> {
            calls.incrementAndGet();
            throw new PermanentStorageException("memory://", "k", "403", null);
        })).isInstanceOf(PermanentStorageException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void checkedExceptionsPassThroughWithTheirType() {
        Retry retry = Retry.immediately(4, e -> e instanceof java.nio.file.NoSuchFileException);
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> retry.run(attempt -> {
            calls.incrementAndGet();
            throw new java.nio.file.NoSuchFileException("/x/" + attempt);
        })).isInstanceOf(IOException.class).hasMessage("/x/4");
        assertThat(calls).hasValue(4);
    }

    @Test
    void waitsAreFullJitterBelowACapThatDoublesUpToTheMaximum() {
        Retry retry = Retry.onTransient().attempts(7).backoff(Duration.ofMillis(20), Duration.ofMillis(100));
        long[] caps = {20, 40, 80, 100, 100, 100};

        for (int n = 1; n <= caps.length; n++) {
            assertThat(retry.delay(n, 0.0)).isEqualTo(Duration.ZERO);
            assertThat(retry.delay(n, 0.5)).isEqualTo(Duration.ofMillis(caps[n - 1] / 2));
            assertThat(retry.delay(n, 0.999_999).toMillis()).isEqualTo(caps[n - 1] - 1);
        }
        assertThat(retry.worstCaseWaiting()).isEqualTo(Duration.ofMillis(20 + 40 + 80 + 100 + 100 + 100));
        assertThat(Retry.immediately(5, e -> true).worstCaseWaiting()).isEqualTo(Duration.ZERO);
    }

    @Test
    void theElapsedTimeLimitStopsRetrying() {
        Retry retry = Retry.onTransient().attempts(1000).backoff(Duration.ofMillis(10), Duration.ofMillis(10))
                .maxElapsed(Duration.ofMillis(200));
        AtomicInteger calls = new AtomicInteger();
        long start = System.nanoTime();

        assertThatThrownBy(() -> retry.run(attempt -> {
            calls.incrementAndGet();
            throw transientFailure(attempt);
        })).isInstanceOf(TransientStorageException.class);

        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
        assertThat(calls.get()).isBetween(2, 999);
    }
}
