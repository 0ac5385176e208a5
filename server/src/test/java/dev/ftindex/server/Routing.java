package dev.ftindex.server;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** A router over shard servers of a test, on 127.0.0.1, and waiting for servers to serve a generation. */
final class Routing {
    private Routing() {}

    /** A router over {@code shards}, asking them what they have open every {@code refresh}, 10 s for each phase of a query. */
    static SearchServer over(Duration refresh, SearchServer... shards) {
        List<String> urls = Arrays.stream(shards).map(shard -> "http://127.0.0.1:" + shard.port()).toList();
        return SearchServer.route(RouterConfig.defaults(urls).withAddress("127.0.0.1", 0).withRefresh(refresh)
                .withShardTimeout(Duration.ofSeconds(10), 95));
    }

    /** Waits until every server named serves {@code generation}. */
    static void awaitServing(String generation, Http... servers) throws InterruptedException {
        for (Http server : servers) {
            server.awaitHealth(h -> Http.serving(h, generation), Duration.ofSeconds(60), generation + " to be served");
        }
    }
}
