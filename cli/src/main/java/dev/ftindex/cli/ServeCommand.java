package dev.ftindex.cli;

import dev.ftindex.search.IndexCache;
import dev.ftindex.server.PartitionSelection;
import dev.ftindex.server.RouterConfig;
import dev.ftindex.server.SearchServer;
import dev.ftindex.server.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex serve}: the HTTP search server. */
@Command(name = "serve",
        header = "serve a collection or an index over HTTP, swapping to each newly published generation",
        customSynopsis = {"ftindex serve --index URI [--host ADDR] [--port 8080] [--poll 30s] [--partitions RANGES | --shard I/N] [options]",
            "ftindex serve --route URL,URL,... [--host ADDR] [--port 8080] [options]"},
        description = {
            "Serves searches over HTTP. Given a collection (--index on it, or --collection C), it polls the alias",
            "and swaps to each newly published generation without stopping: the new generation is opened and",
            "warmed with the recent queries while queries are answered from the old one; then one atomic swap, so",
            "every query is answered from exactly one whole generation. On S3 it is read where it lies (--fetch",
            "lazy: one request opens a partition, queries read the pages they need through a page cache bounded by",
            "--cache-size, every page checked; a damaged page fails its queries with 502, counted in /metrics and",
            "named in /health). --fetch full (and local roots) fetch and verify the whole generation first; the",
            "old readers close when their last query finishes, and their cache files are removed. A failed update (missing or corrupt",
            "file, unreadable metadata) keeps the old generation serving, shows as failed in /health, and is",
            "retried after a wait that doubles with each failure (from --poll up to 10 minutes; at once when the",
            "alias moves). Given an index root, it serves it once it is committed.",
            "",
            "  GET /search?q=QUERY&k=10&fields=a,b   the JSON of `ftindex search --json` (400: bad query; 503: not ready);",
            "                                         &from=N for the next page, &highlight=true for marked snippets",
            "  GET /health                            the served generation, each update's stage and progress",
            "  GET /livez  /readyz                    liveness; readiness (200 once a verified generation is open)",
            "  GET /metrics                           Prometheus text: query latency, outcomes, updates, cache, JVM",
            "  GET /                                  a search page",
            "",
            "SIGTERM drains: /readyz turns 503, running requests get --drain-timeout to finish, then it exits 0.",
            "",
            "Several nodes: `--partitions 0-499` (or `--shard 0/4`) opens only those partitions of each generation and",
            "answers a router's internal API (" + "/internal/v1/...) instead of /search. `--route URL,...` (or",
            "dns:NAME:PORT, every address of a Kubernetes headless Service) is a router with no index: the same public",
            "API, each query pinned to one generation that every partition has a live shard server for, scored with",
            "the term statistics of all shards, so results equal those of one server over the whole generation. Shard",
            "servers with the same partitions are replicas: a failed request goes to another, a slow one is hedged.",
            "Partitions with no live server fail a query with 503, or are left out and named with &partial=true."},
        footer = {
            "  ftindex serve --collection s3://bucket/products --port 8080",
            "  ftindex serve --index ./demo-index --host 127.0.0.1 --port 8080",
            "  ftindex serve --collection s3://bucket/products --shard 1/3 --port 8081",
            "  ftindex serve --route http://shard-0:8081,http://shard-1:8081,http://shard-2:8081 --port 8080"})
final class ServeCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nServer:%n", order = 10)
    Group serve = new Group();

    @ArgGroup(validate = false, heading = "%nSeveral nodes:%n", order = 20)
    Nodes nodes = new Nodes();

    @Mixin
    ReadingOptions reading;

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    /** Options left out take {@link ServerConfig#defaults}: the defaults are declared there only. */
    static final class Group {
        @Option(names = "--host", paramLabel = "ADDR", description = "the address to listen on (default " + ServerConfig.DEFAULT_HOST
                + ": every interface)")
        @Env("FTINDEX_HOST")
        String host;

        @Option(names = "--port", paramLabel = "PORT", description = "the port (default " + ServerConfig.DEFAULT_PORT + "; 0 picks a free one)")
        @Env("FTINDEX_PORT")
        Integer port;

        @Option(names = "--poll", paramLabel = "DURATION", description = "how often the alias is read again (default "
                + ServerConfig.DEFAULT_POLL_SECONDS + "s)")
        String poll;

        @Option(names = "--cache-dir", paramLabel = "DIR", description = "the local cache (default $FTINDEX_CACHE, else ~/.cache/ftindex)")
        Path cacheDir;

        @Option(names = "--threads", paramLabel = "N", description = "fetch and search threads (default " + ServerConfig.DEFAULT_THREADS + ")")
        Integer threads;

        @Option(names = "--max-concurrent", paramLabel = "N", description = "searches run at once; more wait (default "
                + ServerConfig.DEFAULT_SEARCHES_PER_CORE + " per core)")
        Integer maxConcurrent;

        @Option(names = "--queue-timeout", paramLabel = "DURATION", description = "how long a search waits for a slot before 503 (default "
                + ServerConfig.DEFAULT_QUEUE_TIMEOUT_SECONDS + "s)")
        String queueTimeout;

        @Option(names = "--drain-timeout", paramLabel = "DURATION", description = "on SIGTERM, how long running requests may take (default "
                + ServerConfig.DEFAULT_DRAIN_TIMEOUT_SECONDS + "s)")
        String drainTimeout;

        @Option(names = "--query-timeout", paramLabel = "DURATION", description = "how long one search may run before it answers 503"
                + " query-timeout, or its hits so far with partial=true (default 5s)")
        String queryTimeout;
    }

    /** Shard servers and routers; defaults in {@link RouterConfig}. */
    static final class Nodes {
        @Option(names = "--partitions", paramLabel = "RANGES", description = "serve only these partitions of each generation, to a"
                + " router: numbers and inclusive ranges, e.g. 0-499 or 0-2,7")
        @Env("FTINDEX_PARTITIONS")
        String partitions;

        @Option(names = "--shard", paramLabel = "I/N", description = "serve shard I (from 0) of N of each generation, to a router:"
                + " partitions I*P/N up to (I+1)*P/N of its P; I mod N when I >= N, so pod ordinals 0..2N-1 are two replicas of each")
        @Env("FTINDEX_SHARD")
        String shard;

        @Option(names = "--route", paramLabel = "URL,...", split = ",", description = "route to these shard servers (http://HOST:PORT,"
                + " or dns:NAME:PORT for every address NAME resolves to) instead of serving an index")
        @Env("FTINDEX_ROUTE")
        List<String> route;

        @Option(names = "--refresh", paramLabel = "DURATION", description = "how often a router asks every shard server what it has open"
                + " (default " + RouterConfig.DEFAULT_REFRESH_SECONDS + "s)")
        String refresh;

        @Option(names = "--shard-timeout", paramLabel = "DURATION", description = "a router's deadline for each phase of a query on one"
                + " group of replicas, retries and hedges included (default " + RouterConfig.DEFAULT_SHARD_TIMEOUT_SECONDS + "s)")
        String shardTimeout;

        @Option(names = "--hedge-percentile", paramLabel = "P", description = "a router sends a request to a second replica when the first"
                + " is slower than this percentile of its recent latencies; 100: never (default 95)")
        Double hedgePercentile;
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) throws InterruptedException {
        if (nodes.route != null && !nodes.route.isEmpty()) {
            return route(context);
        }
        if (nodes.refresh != null || nodes.shardTimeout != null || nodes.hedgePercentile != null) {
            throw new UsageException("--refresh, --shard-timeout and --hedge-percentile are a router's: give them with --route");
        }
        if (nodes.partitions != null && nodes.shard != null) {
            throw new UsageException("give --partitions or --shard, not both");
        }
        Path cache = serve.cacheDir != null ? serve.cacheDir : IndexCache.defaultRoot();
        try (Stores stores = store.open(context.environment())) {
            Target target = store.target(stores);
            ServerConfig config;
            try {
                config = ServerConfig.defaults(target.collection() && target.generation().isPresent() ? target.root().store() : target.store(),
                        cache);
                config = config.withAddress(serve.host != null ? serve.host : config.host(), serve.port != null ? serve.port : config.port());
                if (serve.poll != null) {
                    config = config.withPoll(Durations.parse("--poll", serve.poll));
                }
                if (serve.threads != null) {
                    config = config.withThreads(serve.threads);
                }
                config = config.withConcurrency(serve.maxConcurrent != null ? serve.maxConcurrent : config.maxConcurrentSearches(),
                        serve.queueTimeout != null ? Durations.parse("--queue-timeout", serve.queueTimeout) : config.queueTimeout());
                if (serve.drainTimeout != null) {
                    config = config.withDrainTimeout(Durations.parse("--drain-timeout", serve.drainTimeout));
                }
                config = config.withReading(reading.reading());
                if (serve.queryTimeout != null) {
                    config = config.withLimits(config.limits().withTimeout(Durations.parse("--query-timeout", serve.queryTimeout)));
                }
                if (nodes.partitions != null) {
                    config = config.withPartitions(PartitionSelection.ranges(nodes.partitions));
                } else if (nodes.shard != null) {
                    config = config.withPartitions(PartitionSelection.shard(nodes.shard));
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            context.console().root(config.store().location());
            SearchServer server = SearchServer.start(config);
            return served(context, server, config.host(), config.store().location());
        }
    }

    /** {@code serve --route}: a router over shard servers, with no index of its own. */
    private Outcome route(Context context) throws InterruptedException {
        if (nodes.partitions != null || nodes.shard != null) {
            throw new UsageException("a router serves no partitions itself: give --partitions or --shard to the shard servers, not with --route");
        }
        if (serve.queryTimeout != null) {
            throw new UsageException("--query-timeout is the deadline of a server's own searches: give it to the shard servers (a router's is"
                    + " --shard-timeout)");
        }
        RouterConfig config;
        try {
            config = RouterConfig.defaults(nodes.route.stream().map(String::strip).filter(url -> !url.isEmpty()).toList());
            config = config.withAddress(serve.host != null ? serve.host : config.host(), serve.port != null ? serve.port : config.port());
            if (nodes.refresh != null) {
                config = config.withRefresh(Durations.parse("--refresh", nodes.refresh));
            }
            config = config.withShardTimeout(nodes.shardTimeout != null ? Durations.parse("--shard-timeout", nodes.shardTimeout) : config.shardTimeout(),
                    nodes.hedgePercentile != null ? nodes.hedgePercentile : config.hedgePercentile());
            config = config.withConcurrency(serve.maxConcurrent != null ? serve.maxConcurrent : config.maxConcurrentSearches(),
                    serve.queueTimeout != null ? Durations.parse("--queue-timeout", serve.queueTimeout) : config.queueTimeout(),
                    serve.drainTimeout != null ? Durations.parse("--drain-timeout", serve.drainTimeout) : config.drainTimeout());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        SearchServer server = SearchServer.route(config);
        return served(context, server, config.host(), String.join(",", config.shards()));
    }

    /** Runs a started server until SIGTERM (or Ctrl-C) has drained it. */
    private static Outcome served(Context context, SearchServer server, String host, String source) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "ftindex-shutdown"));
        drainOn("TERM", server);
        drainOn("INT", server);
        context.console().info("listening on http://" + host + ":" + server.port() + "/ (SIGTERM drains and stops)");
        server.awaitStop();
        return Outcome.json(Results.of("serve", source, new Stopped(Stopped.STATUS, server.port())));
    }

    /** The result of a server that stopped cleanly: {@code {"status": "stopped", "port": ...}}. */
    record Stopped(String status, int port) {
        static final String STATUS = "stopped";
    }

    /**
     * SIGTERM (and Ctrl-C) drain the server and let this verb return, print its result and exit
     * 0, as an orchestrator expects of a clean stop; where the JVM offers no signal handling, the
     * shutdown hook drains instead (exit 143).
     */
    @SuppressWarnings("restriction")
    private static void drainOn(String signal, SearchServer server) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), received -> Thread.ofPlatform().name("ftindex-drain").start(server::close));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no such signal here: the shutdown hook covers it
        }
    }
}
