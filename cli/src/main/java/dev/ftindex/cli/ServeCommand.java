package dev.ftindex.cli;

import dev.ftindex.search.IndexCache;
import dev.ftindex.server.SearchServer;
import dev.ftindex.server.ServerConfig;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex serve}: the HTTP search server. */
@Command(name = "serve",
        header = "serve a collection or an index over HTTP, swapping to each newly published generation",
        customSynopsis = "ftindex serve --index URI [--host ADDR] [--port 8080] [--poll 30s] [options]",
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
            "SIGTERM drains: /readyz turns 503, running requests get --drain-timeout to finish, then it exits 0."},
        footer = {
            "  ftindex serve --collection s3://bucket/products --port 8080",
            "  ftindex serve --index ./demo-index --host 127.0.0.1 --port 8080"})
final class ServeCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nServer:%n", order = 10)
    Group serve = new Group();

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
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) throws InterruptedException {
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
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            context.console().root(config.store().location());
            SearchServer server = SearchServer.start(config);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "ftindex-shutdown"));
            drainOn("TERM", server);
            drainOn("INT", server);
            context.console().info("listening on http://" + config.host() + ":" + server.port() + "/ (SIGTERM drains and stops)");
            server.awaitStop();
            return Outcome.json(Results.of("serve", config.store().location(), new Stopped(Stopped.STATUS, server.port())));
        }
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
