package dev.ftindex.server;

import dev.ftindex.format.ErrorKind;
import dev.ftindex.search.SearchRequest;
import dev.ftindex.search.SearchResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The public API answered from the generations this process opens ({@link Serving}). A server
 * that holds a shard's share of each generation answers a router's internal API ({@link ShardApi})
 * and refuses {@code /search}: its own statistics would not score as the whole generation does.
 */
final class LocalBackend implements Backend {
    private final ServerConfig config;
    private final Serving serving;

    LocalBackend(ServerConfig config) {
        this.config = config;
        this.serving = new Serving(config);
    }

    /** The generations this process opens, which the internal API answers from. */
    Serving local() {
        return serving;
    }

    /** Which partitions of each generation it holds. */
    PartitionSelection partitions() {
        return config.partitions();
    }

    @Override
    public void start(ServerMetrics metrics) {
        metrics.serving(() -> serving.serving().orElse(null), serving::cacheBytes, serving::pageCache, config.clock());
        serving.start(metrics);
    }

    @Override
    public Answer search(SearchRequest request) {
        boolean partial = request.partial();
        if (!config.partitions().whole()) {
            throw new ServerException(ErrorKind.CONFLICT, "this server holds partitions " + config.partitions() + " of each generation: search "
                    + "through a router (ftindex serve --route ...), which scores with the statistics of every shard");
        }
        Optional<ServedGenerations.Lease> lease = serving.acquire();
        if (lease.isEmpty()) {
            throw new ServerException(ErrorKind.NOT_READY, "no generation is open yet: see /health");
        }
        try (ServedGenerations.Lease held = lease.get()) {
            SearchResult result = held.generation().index().search(request);
            serving.answered(request.query());
            ServedGeneration.Identity identity = held.generation().identity();
            return new Answer(identity.location(), identity.generation(), result, List.of());
        }
    }

    @Override
    public Optional<String> serving() {
        return serving.serving().map(ServedGeneration.Identity::name);
    }

    @Override
    public SearchServer.Health health(boolean draining) {
        Optional<ServedGeneration.Identity> served = serving.serving();
        SearchServer.State state = draining ? SearchServer.State.DRAINING : served.isPresent() ? SearchServer.State.SERVING : SearchServer.State.STARTING;
        SearchServer.Source source = new SearchServer.Source(serving.isCollection() ? SearchServer.Kind.COLLECTION : SearchServer.Kind.INDEX,
                config.store().location(), config.poll().toMillis());
        SearchServer.Served generation = served.map(identity -> new SearchServer.Served(
                Duration.between(identity.committedAt(), config.clock().instant()).toSeconds(), identity.bytes(), identity.committedAt().toString(),
                identity.docs(), identity.generation(), identity.indexId(), identity.partitions(),
                config.partitions().whole() ? null : identity.held(), identity.fields())).orElse(null);
        return new SearchServer.Health(serving.isCollection() ? serving.building() : null, serving.lastPoll().orElse(null),
                SearchServer.PageCacheView.of(serving.pageCache()), generation, source, state, serving.updates(), null);
    }

    @Override
    public void close() {
        serving.close();
    }
}
