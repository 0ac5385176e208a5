package dev.ftindex.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.FaultyHttpProxy;
import dev.ftindex.objectstore.testing.FaultyHttpProxy.Fault;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import dev.ftindex.search.FetchMode;
import dev.ftindex.search.Reading;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --fetch lazy} when the store misbehaves, on S3Proxy through a proxy that faults on
 * command: a store that is down answers 503 for the queries that need it and serves again once it
 * is back, without a restart; a GET that never answers fails its query within the request's
 * deadline and leaves no thread waiting on it.
 */
class LazyStoreFaultsTest {
    private static final S3ProxyServer S3 = S3ProxyServer.shared();
    private static final Duration ATTEMPT = Duration.ofMillis(500);
    private static final Duration CALL = Duration.ofSeconds(2);

    @TempDir
    Path temp;

    @RegisterExtension
    final Closer closing = new Closer();

    /** What the proxy does to GETs of data pages (ranged reads); everything else passes. */
    private final AtomicReference<Fault> pages = new AtomicReference<>(Fault.NONE);

    private Http serve() throws Exception {
        String bucket = S3.newBucket();
        try (ObjectStore direct = ObjectStores.open(new StoreLocation.S3(bucket, "c/"), S3.settings().build(), Map.of())) {
            Generations.build(direct, "g1", 1, temp);
            Generations.publish(direct, "g1");
        }
        FaultyHttpProxy proxy = FaultyHttpProxy.start(S3.endpoint(),
                request -> request.header("range") != null && !request.target().contains("hotcache") ? pages.get() : Fault.NONE);
        closing.add(proxy);
        ObjectStore collection = ObjectStores.open(new StoreLocation.S3(bucket, "c/"),
                S3ProxyServer.settings(proxy.endpoint()).attemptTimeout(ATTEMPT).callTimeout(CALL).maxAttempts(2).build(), Map.of());
        closing.add(collection);
        ServerConfig config = ServerConfig.defaults(collection, temp.resolve("cache")).withAddress("127.0.0.1", 0)
                .withPoll(Duration.ofMillis(200)).withThreads(2).withReading(new Reading(FetchMode.LAZY, 64L << 20, 4096));
        SearchServer server = SearchServer.start(config);
        closing.add(server);
        Http http = new Http(server.port());
        http.awaitHealth(h -> Http.serving(h, "g1"), Duration.ofSeconds(60), "g1 to be served");
        return http;
    }

    @Test
    void aStoreThatIsDownGives503AndTheServerRecoversWithoutARestart() throws Exception {
        Http http = serve();
        assertThat(http.search("index", 10).status()).isEqualTo(200);

        pages.set(Fault.SLOW_DOWN);
        // Terms no query read before: unless their pages are cached already (the index is small), these need the store.
        List<String> fresh = List.of("retry crash", "\"object storage\"", "cluster OR node", "title:partition", "merge segment");
        int unavailable = 0;
        for (String query : fresh) {
            Http.Response down = http.search(query, 10);
            assertThat(down.status()).as(query + ": " + down.body()).isIn(200, 503);
            if (down.status() == 503) {
                assertThat(down.json().path("error").path("kind").asText()).as(down.body()).isEqualTo("transient");
                unavailable++;
            }
        }
        assertThat(unavailable).as("queries that needed the store while it was down").isPositive();
        assertThat(http.get("/readyz").status()).as("a store that is down is not a generation that is broken").isEqualTo(200);

        pages.set(Fault.NONE);
        for (String query : fresh) {
            Http.Response back = http.search(query, 10);
            assertThat(back.status()).as(query + ": " + back.body()).isEqualTo(200);
            assertThat(back.json().path("hits")).as(query).isNotEmpty();
            assertThat(back.json().path("generation").asText()).isEqualTo("g1");
        }
    }

    @Test
    void aGetThatNeverAnswersFailsItsQueryWithinTheDeadlineAndLeavesNoThreadWaiting() throws Exception {
        Http http = serve();
        assertThat(http.search("index", 10).status()).isEqualTo(200);

        pages.set(Fault.HANG);
        long start = System.nanoTime();
        Http.Response hung = http.search("retry crash network", 10);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(hung.status()).as(hung.body()).isEqualTo(503);
        assertThat(took).as("the request's deadline (%s) bounds the query", CALL).isLessThan(CALL.multipliedBy(3));
        List<String> waiting = List.of();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            waiting = threadsReadingPages();
            if (waiting.isEmpty()) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(waiting).as("threads still waiting on a page fetch").isEmpty();

        pages.set(Fault.NONE);
        assertThat(http.search("retry crash network", 10).status()).as("answered once the store answers").isEqualTo(200);
    }

    /** Threads inside the page cache's fetch path (none should be left once the query failed). */
    private static List<String> threadsReadingPages() {
        List<String> waiting = new ArrayList<>();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread != Thread.currentThread() && Arrays.stream(stack).anyMatch(frame -> frame.getClassName().startsWith("dev.ftindex.search.PageCache")
                    || frame.getClassName().startsWith("dev.ftindex.search.RemoteFile"))) {
                waiting.add(thread.getName());
            }
        });
        return waiting;
    }
}
