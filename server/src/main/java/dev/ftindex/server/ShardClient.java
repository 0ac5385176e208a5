package dev.ftindex.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * A router's view of one shard server: where it is, what it last said it has open, whether it is
 * taken to be down (a failed request keeps it out of the first choice for {@link #DOWN_FOR}, a
 * failed refresh until the next one answers), and its recent latencies per phase, whose
 * percentile decides when a request to it is hedged.
 */
final class ShardClient {
    /** How long a shard server that failed a request is asked last. */
    static final Duration DOWN_FOR = Duration.ofSeconds(1);
    /** Until this many latencies of a phase were seen, a request is hedged after {@link #FIRST_HEDGE}. */
    private static final int WINDOW = 256;
    private static final int ENOUGH = 16;
    private static final Duration FIRST_HEDGE = Duration.ofMillis(100);

    private final URI base;
    private final String name;
    private final HttpClient http;
    private final Window[] windows = {new Window(), new Window(), new Window()};
    private volatile long downUntil;
    private volatile ShardProtocol.Generations generations;
    private volatile String lastError;
    private volatile Instant lastSeen;

    ShardClient(URI base, HttpClient http) {
        this.base = base;
        this.name = base.getHost() + ":" + base.getPort();
        this.http = http;
    }

    /** The phases of a query, each with its own latencies. */
    enum Phase {
        STATISTICS(ShardProtocol.STATISTICS), SEARCH(ShardProtocol.SEARCH), FETCH(ShardProtocol.FETCH);

        final String path;

        Phase(String path) {
            this.path = path;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    URI base() {
        return base;
    }

    /** {@code host:port}, the {@code shard} label of the router's metrics. */
    String name() {
        return name;
    }

    CompletableFuture<HttpResponse<byte[]>> post(Phase phase, byte[] body, Duration timeout) {
        return http.sendAsync(HttpRequest.newBuilder(base.resolve(phase.path)).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    CompletableFuture<HttpResponse<byte[]>> generations(Duration timeout) {
        return http.sendAsync(HttpRequest.newBuilder(base.resolve(ShardProtocol.GENERATIONS)).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** What the last refresh found open, or why it found nothing. */
    void refreshed(ShardProtocol.Generations found, Instant at) {
        generations = found;
        lastError = null;
        lastSeen = at;
        downUntil = 0;
    }

    void refreshFailed(String error) {
        generations = null;
        lastError = error;
    }

    /** A request failed: asked last for a while. */
    void failed(String error) {
        lastError = error;
        downUntil = System.nanoTime() + DOWN_FOR.toNanos();
    }

    void answered(Phase phase, long nanos) {
        windows[phase.ordinal()].add(nanos);
    }

    /** Whether the last refresh answered and no request failed since {@link #DOWN_FOR}. */
    boolean live() {
        return generations != null && System.nanoTime() - downUntil >= 0;
    }

    ShardProtocol.Generations generations() {
        return generations;
    }

    String lastError() {
        return lastError;
    }

    Instant lastSeen() {
        return lastSeen;
    }

    /** When a request of {@code phase} is slow enough to send a second one: the percentile of its recent latencies. */
    long hedgeAfterNanos(Phase phase, double percentile) {
        return windows[phase.ordinal()].percentile(percentile);
    }

    /** The last {@link #WINDOW} latencies of one phase. */
    private static final class Window {
        private final long[] nanos = new long[WINDOW];
        private int count;
        private int next;

        synchronized void add(long value) {
            nanos[next] = value;
            next = (next + 1) % WINDOW;
            count = Math.min(count + 1, WINDOW);
        }

        synchronized long percentile(double percentile) {
            if (count < ENOUGH) {
                return FIRST_HEDGE.toNanos();
            }
            long[] sorted = Arrays.copyOf(nanos, count);
            Arrays.sort(sorted);
            int index = (int) Math.ceil(percentile / 100 * count) - 1;
            return sorted[Math.max(0, Math.min(count - 1, index))];
        }
    }
}
