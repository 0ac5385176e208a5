package dev.ftindex.server;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ftindex.format.CollectionStatus;
import dev.ftindex.format.CommandResult;
import dev.ftindex.format.ErrorKind;
import dev.ftindex.format.FailureReport;
import dev.ftindex.format.Json;
import dev.ftindex.format.WireEnum;
import dev.ftindex.objectstore.Tasks;
import dev.ftindex.search.Cursor;
import dev.ftindex.search.FacetRequest;
import dev.ftindex.search.PageCache;
import dev.ftindex.search.QueryLimitException;
import dev.ftindex.search.SearchRequest;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.SortOrder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * {@code ftindex serve}: search over HTTP, with health, readiness, metrics, a search page, and
 * the hot swap of generations ({@link Serving}).
 *
 * <p>On the JDK's own {@link HttpServer}, one virtual thread per exchange: HTTP/1.1 keep-alive,
 * fixed-length responses, request and response timeouts (the {@code sun.net.httpserver}
 * properties, set here unless given), and no dependency to keep up to date. Searches are bounded
 * by a semaphore: at most {@code maxConcurrentSearches} run at once, the rest wait up to
 * {@code queueTimeout} and are then refused with 503 and {@code Retry-After}, so overload sheds
 * requests instead of growing queues. {@link #close} drains: {@code /readyz} answers 503, running
 * requests get {@code drainTimeout} to finish, then the readers are released.
 *
 * <ul>
 *   <li>{@code GET /search?q=...&k=10&from=0&highlight=false&fields=a,b}: the JSON {@code ftindex search --json} prints
 *       (a page of {@code k} hits from {@code from}; with {@code highlight=true}, snippets of the matched words);
 *       400 with the parser's message for a bad query; 503 before a generation is open.
 *   <li>{@code GET /health}: the served generation, each update with its stage and progress, the
 *       last poll, and for a collection the generations being built.
 *   <li>{@code GET /livez}: 200 while the process runs; {@code GET /readyz}: 200 once a verified
 *       generation is open, 503 before that and while draining.
 *   <li>{@code GET /metrics}: Prometheus text; {@code GET /}: the search page.
 * </ul>
 */
public final class SearchServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SearchServer.class.getName());
    private static final int MAX_K = 10_000;
    /** The longest request target served; a longer one is answered 414 (the JDK server reads up to {@link #MAX_HEADER_BYTES}). */
    static final int MAX_URI_CHARS = 64 * 1024;
    /**
     * How much of a request's head the JDK server reads before it gives up and closes the
     * connection without an answer. Its default (384 KiB) reset a 1 MB query; this lets a request
     * line up to 2 MiB reach the handler, which answers 414 with the JSON error body.
     */
    static final int MAX_HEADER_BYTES = 2 * 1024 * 1024;

    static {
        // Read once, when the JDK's server first starts: a client that sends its request too
        // slowly, or reads the response too slowly, is cut off instead of holding a connection.
        setDefault("sun.net.httpserver.maxReqTime", "30");
        setDefault("sun.net.httpserver.maxRspTime", "60");
        setDefault("sun.net.httpserver.idleInterval", "30");
        setDefault("sun.net.httpserver.maxIdleConnections", "200");
        setDefault("sun.net.httpserver.maxReqHeaderSize", String.valueOf(MAX_HEADER_BYTES));
    }

    private final Listening listening;
    private final Backend backend;
    /** The internal API of a router's shard server; null for a router. */
    private final ShardApi shardApi;
    private final ServerMetrics metrics;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Semaphore searches;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final byte[] page;

    /**
     * How the HTTP side runs, whatever answers behind it.
     *
     * @param source what is served, for the log: an index root, a collection, or a router's shards
     */
    record Listening(String host, int port, int maxConcurrentSearches, Duration queueTimeout, Duration drainTimeout, String source) {}

    private SearchServer(Listening listening, Backend backend) throws IOException {
        this.listening = listening;
        this.backend = backend;
        this.shardApi = backend instanceof LocalBackend local ? new ShardApi(local.local(), local.partitions()) : null;
        this.metrics = new ServerMetrics();
        this.searches = new Semaphore(listening.maxConcurrentSearches());
        this.page = resource("search.html");
        this.executor = Tasks.virtual("ftindex-http");
        this.http = HttpServer.create(new InetSocketAddress(listening.host(), listening.port()), 0);
        http.setExecutor(executor);
        http.createContext("/", this::handle);
    }

    /** Binds, starts polling, and returns at once; {@code /readyz} turns 200 when the first generation is open. */
    public static SearchServer start(ServerConfig config) {
        return start(new Listening(config.host(), config.port(), config.maxConcurrentSearches(), config.queueTimeout(), config.drainTimeout(),
                config.store().location() + (config.partitions().whole() ? "" : " (partitions " + config.partitions() + ")")),
                () -> new LocalBackend(config));
    }

    /**
     * Binds a router over the shard servers {@code config} names and returns at once;
     * {@code /readyz} turns 200 when every partition of one generation has a shard server with it open.
     */
    public static SearchServer route(RouterConfig config) {
        return start(new Listening(config.host(), config.port(), config.maxConcurrentSearches(), config.queueTimeout(), config.drainTimeout(),
                "the shard servers " + config.shards()), () -> new Router(config));
    }

    private static SearchServer start(Listening listening, java.util.function.Supplier<Backend> backend) {
        try {
            SearchServer server = new SearchServer(listening, backend.get());
            server.http.start();
            server.backend.start(server.metrics);
            LOG.info("serving " + listening.source() + " on http://" + listening.host() + ":" + server.port() + "/");
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + listening.host() + ":" + listening.port() + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** Whether a verified generation is open and the server is not draining. */
    public boolean ready() {
        return !draining.get() && backend.serving().isPresent();
    }

    /** Blocks until {@link #close} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Drains and stops: readiness goes first, running requests get the drain timeout, then the readers are released. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        draining.set(true);
        http.stop((int) Math.max(0, listening.drainTimeout().toSeconds()));
        executor.shutdown();
        try {
            executor.awaitTermination(listening.drainTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backend.close();
        stopped.countDown();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (exchange.getRequestURI().toString().length() > MAX_URI_CHARS) {
                String message = "the request target has " + exchange.getRequestURI().toString().length() + " characters; at most "
                        + MAX_URI_CHARS + " are served (a query that long is not a search)";
                if (path.equals("/search")) {
                    finish(exchange, System.nanoTime(), ServerMetrics.Outcome.BAD_REQUEST, ErrorKind.URI_TOO_LONG, message);
                } else {
                    fail(exchange, ErrorKind.URI_TOO_LONG, message);
                }
                return;
            }
            if (shardApi != null && path.startsWith(ShardProtocol.PREFIX)) {
                internal(exchange, path);
                return;
            }
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                fail(exchange, ErrorKind.METHOD_NOT_ALLOWED, "only GET is served");
                return;
            }
            switch (path) {
                case "/search" -> search(exchange);
                case "/health" -> send(exchange, 200, "application/json", Json.write(backend.health(draining.get())));
                case "/livez" -> send(exchange, 200, "text/plain; charset=utf-8", "ok\n".getBytes(UTF_8));
                case "/readyz" -> readyz(exchange);
                case "/metrics" -> metrics(exchange);
                case "/", "/index.html" -> send(exchange, 200, "text/html; charset=utf-8", page);
                default -> fail(exchange, ErrorKind.NOT_FOUND, "no such path: " + path
                        + " (try /search?q=..., /health, /livez, /readyz, /metrics or /"
                        + (shardApi != null ? "; a router's internal API is under " + ShardProtocol.PREFIX : "") + ")");
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "a client went away: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "request failed: " + exchange.getRequestURI(), e);
        }
    }

    private void search(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        Map<String, List<String>> all = allParameters(exchange.getRequestURI().getRawQuery());
        Map<String, String> parameters = new LinkedHashMap<>();
        all.forEach((name, values) -> parameters.put(name, values.getFirst()));
        String query = parameters.get("q");
        if (query == null || query.isBlank()) {
            finish(exchange, start, ServerMetrics.Outcome.BAD_REQUEST, ErrorKind.INVALID_QUERY, "give a query: /search?q=...&k=10");
            return;
        }
        SearchRequest request;
        try {
            int k = number(parameters, "k", 10);
            if (k > MAX_K) {
                throw new QueryLimitException(QueryLimitException.Limit.WINDOW, "k must be 1 to " + MAX_K + ", not '" + parameters.get("k") + "'");
            }
            SortOrder sort = SortOrder.parse(parameters.get("sort"));
            request = new SearchRequest(query, k, number(parameters, "from", 0), true,
                    Boolean.parseBoolean(parameters.getOrDefault("highlight", "false")), all.getOrDefault("filter", List.of()), sort,
                    parameters.containsKey("after") && !parameters.get("after").isBlank() ? Cursor.parse(parameters.get("after")) : null,
                    all.getOrDefault("facet", List.of()).stream().map(FacetRequest::parse).toList(),
                    Boolean.parseBoolean(parameters.getOrDefault("partial", "false")));
        } catch (QueryLimitException e) {
            finish(exchange, start, ServerMetrics.Outcome.BAD_REQUEST, e.errorKind(), e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            finish(exchange, start, ServerMetrics.Outcome.BAD_REQUEST, ErrorKind.USAGE, e.getMessage());
            return;
        }
        Optional<Set<String>> fields = Optional.ofNullable(parameters.get("fields"))
                .map(list -> Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet()));
        boolean partial = request.partial();
        if (!admitted(exchange, start)) {
            return;
        }
        byte[] body;
        try {
            Backend.Answer answer = backend.search(request);
            ObjectNode response = CommandResult.of("search", answer.location(), answer.generation(), restrict(answer.result(), fields));
            if (partial) {
                response.putPOJO("missingPartitions", answer.missingPartitions());
            }
            body = Json.write(response);
        } catch (RuntimeException e) {
            ErrorKind kind = ErrorKind.of(e);
            if (kind == ErrorKind.NOT_READY || kind == ErrorKind.SHARDS_UNAVAILABLE) {
                exchange.getResponseHeaders().add("Retry-After", kind == ErrorKind.NOT_READY ? "5" : "1");
            } else if (kind.httpStatus() >= 500) {
                LOG.log(Level.WARNING, "search failed: " + query, e);
            }
            finish(exchange, start, ServerMetrics.Outcome.of(kind), kind, String.valueOf(e.getMessage()));
            return;
        } finally {
            searches.release();
        }
        finish(exchange, start, ServerMetrics.Outcome.OK, 200, body);
    }

    /**
     * Waits up to the queue timeout for one of the search slots; without one, answers 503 with
     * {@code Retry-After} and returns false. A caller given a slot releases it.
     */
    private boolean admitted(HttpExchange exchange, long start) throws IOException {
        boolean permitted;
        try {
            permitted = searches.tryAcquire(listening.queueTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            permitted = false;
        }
        if (!permitted) {
            exchange.getResponseHeaders().add("Retry-After", "1");
            finish(exchange, start, ServerMetrics.Outcome.OVERLOADED, ErrorKind.OVERLOADED, listening.maxConcurrentSearches()
                    + " searches are running and none finished within " + listening.queueTimeout().toMillis() + " ms; retry");
        }
        return permitted;
    }

    /** A router's request to this shard server: admitted as searches are, answered by {@link ShardApi}. */
    private void internal(HttpExchange exchange, String path) throws IOException {
        long start = System.nanoTime();
        boolean search = !path.equals(ShardProtocol.GENERATIONS);
        if (search && !admitted(exchange, start)) {
            return;
        }
        try {
            byte[] request = exchange.getRequestMethod().equals("POST") ? exchange.getRequestBody().readAllBytes() : new byte[0];
            ShardApi.Reply reply = shardApi.handle(exchange.getRequestMethod(), path, request);
            send(exchange, reply.status(), "application/json", reply.body());
        } finally {
            if (search) {
                searches.release();
            }
        }
    }

    /** Counts the search before its answer goes: a client that reads /metrics once it has the answer sees it counted. */
    private void finish(HttpExchange exchange, long start, ServerMetrics.Outcome outcome, int status, byte[] body) throws IOException {
        metrics.query(outcome, System.nanoTime() - start);
        send(exchange, status, "application/json", body);
    }

    /** A failed search: counted, and answered with its kind's status and the JSON error body. */
    private void finish(HttpExchange exchange, long start, ServerMetrics.Outcome outcome, ErrorKind kind, String message) throws IOException {
        finish(exchange, start, outcome, kind.httpStatus(), error(kind, message));
    }

    private static SearchResult restrict(SearchResult result, Optional<Set<String>> fields) {
        if (fields.isEmpty()) {
            return result;
        }
        List<SearchResult.Hit> hits = result.hits().stream().map(hit -> {
            Map<String, Object> kept = new TreeMap<>(hit.fields());
            kept.keySet().retainAll(fields.get());
            return new SearchResult.Hit(hit.id(), hit.score(), hit.partition(), kept, hit.highlights(), hit.sort());
        }).toList();
        return result.withHits(hits);
    }

    private void readyz(HttpExchange exchange) throws IOException {
        if (ready()) {
            send(exchange, 200, "text/plain; charset=utf-8", ("ready: " + backend.serving().orElseThrow() + "\n").getBytes(UTF_8));
        } else {
            send(exchange, 503, "text/plain; charset=utf-8", (draining.get() ? "draining\n" : "no verified generation is open yet\n").getBytes(UTF_8));
        }
    }

    private void metrics(HttpExchange exchange) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        send(exchange, 200, metrics.contentType(), out.toByteArray());
    }

    /**
     * What {@code /health} shows: snake_case members, as docs/PROTOCOL.md promises them (members
     * in alphabetical order, as they always came); {@code building} is the report {@code status
     * --json} prints, embedded as it prints it.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Health(@JsonInclude(JsonInclude.Include.NON_NULL) List<CollectionStatus.Building> building, Serving.Poll lastPoll,
            @JsonInclude(JsonInclude.Include.NON_NULL) PageCacheView pageCache, Served serving, Source source, State status,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Update.View> updates,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Router.ShardView> shards) {}

    /**
     * The page cache of the generations read where they lie, the last page the store gave damaged,
     * and why the pages are in memory when the cache directory cannot be written (null when it can).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record PageCacheView(long bytes, long corruptStorePages, long hits, @JsonInclude(JsonInclude.Include.ALWAYS) String lastCorruptStorePage,
            long limitBytes, long misses, long storeReads, @JsonInclude(JsonInclude.Include.ALWAYS) String diskProblem) {
        static PageCacheView of(PageCache.Stats stats) {
            return new PageCacheView(stats.cachedBytes(), stats.corruptStorePages(), stats.hits(), stats.lastCorruptStorePage(),
                    stats.maxBytes(), stats.misses(), stats.requests(), stats.diskProblem());
        }
    }

    /** Where the server reads from, and how often. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Source(Kind kind, String location, long pollMs) {}

    /** What the server was given: a collection (whose alias it follows), one index root, or shard servers to route to. */
    enum Kind implements WireEnum {
        COLLECTION, INDEX, ROUTER
    }

    /** The server's state. */
    enum State implements WireEnum {
        STARTING, SERVING, DRAINING
    }

    /**
     * The generation served now; {@code held}: the partitions a shard server holds of it (absent when
     * all); {@code fields}: its spec's fields and their types (what the page offers to sort and facet by).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Served(long ageSeconds, long bytes, String committedAt, long documents, String generation, String indexId, int partitions,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> held, @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> fields) {}

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Answers {@code kind}'s HTTP status with the JSON error body every interface uses ({@link FailureReport}). */
    private static void fail(HttpExchange exchange, ErrorKind kind, String message) throws IOException {
        send(exchange, kind.httpStatus(), "application/json", error(kind, message));
    }

    private static byte[] error(ErrorKind kind, String message) {
        return Json.write(FailureReport.ofRequest(kind, message));
    }

    /** A whole-number parameter, {@code fallback} when absent. */
    private static int number(Map<String, String> parameters, String name, int fallback) {
        String value = parameters.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'");
        }
    }

    static Map<String, String> parameters(String rawQuery) {
        Map<String, String> parameters = new LinkedHashMap<>();
        allParameters(rawQuery).forEach((name, values) -> parameters.put(name, values.getFirst()));
        return parameters;
    }

    /** Every value of every parameter, in order ({@code filter} and {@code facet} may be given several times). */
    static Map<String, List<String>> allParameters(String rawQuery) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), UTF_8);
            parameters.computeIfAbsent(name, key -> new java.util.ArrayList<>()).add(value);
        }
        return parameters;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SearchServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        }
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
