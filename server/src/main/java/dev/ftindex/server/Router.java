package dev.ftindex.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.ftindex.format.ErrorKind;
import dev.ftindex.format.Json;
import dev.ftindex.objectstore.Tasks;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.Cursor;
import dev.ftindex.search.Expansions;
import dev.ftindex.search.SearchRequest;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.ShardSearch;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code ftindex serve --route}: the public API over shard servers, with no index of its own,
 * answering exactly as one server over the whole generation does.
 *
 * <p>A query is pinned to one generation, the {@link Plan} current when it starts, and runs in
 * the phases of {@link ShardSearch}, each sent to one replica of every group of shard servers
 * that hold the same partitions: the statistics of its terms (summed, and cached per generation
 * and query: a generation never changes), its best {@code from + k} hits scored with them,
 * merged in the order of every result, and the stored fields of the page, fetched only from the
 * groups that own its hits. Every request names the generation's index id, so no answer mixes
 * two generations; a shard that no longer has it open answers 410 and the query is planned
 * again, once, on what the shards have open now.
 *
 * <p>The plan moves to a new generation only when every partition of it has a live shard server
 * with it open and verified (docs/PROTOCOL.md, "Serving from several nodes"). A request that
 * fails goes to another replica at once (a retry); one slower than the hedge percentile of that
 * replica's recent latencies gets a second request to another (a hedge); the first answer wins.
 * Partitions whose replicas all fail within the shard deadline fail the query with 503, or are
 * left out and named when the request asks for partial results.
 */
final class Router implements Backend {
    private static final Logger LOG = Logger.getLogger(Router.class.getName());
    private static final int CACHED_STATISTICS = 10_000;

    private final RouterConfig config;
    private final HttpClient http;
    private final Map<URI, ShardClient> clients = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher = Tasks.scheduled("ftindex-route-refresh");
    private final ExecutorService fanOut = Tasks.virtual("ftindex-route");
    private final Map<String, Phase1> statistics = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Phase1> eldest) {
            return size() > CACHED_STATISTICS;
        }
    };
    private volatile Plan plan;
    private volatile RouterMetrics metrics;
    private volatile Serving.Poll lastRefresh;

    Router(RouterConfig config) {
        this.config = config;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.shardTimeout().compareTo(Duration.ofSeconds(2)) < 0 ? config.shardTimeout() : Duration.ofSeconds(2))
                .executor(fanOut).build();
    }

    /**
     * The generation queries are pinned to and who serves it: groups of replicas, each group
     * holding the same partitions, disjoint; {@code missing}: partitions no live server holds.
     */
    record Plan(ShardProtocol.Open generation, List<Group> groups, List<Integer> missing) {
        boolean complete() {
            return missing.isEmpty();
        }
    }

    /** Shard servers that hold the same partitions of the planned generation; requests rotate over them. */
    record Group(List<Integer> partitions, List<ShardClient> replicas, AtomicInteger next) {
        /** The replicas in the order to try: live ones first, each group's first choice rotating. */
        List<ShardClient> order() {
            int start = Math.floorMod(next.getAndIncrement(), replicas.size());
            List<ShardClient> live = new ArrayList<>();
            List<ShardClient> down = new ArrayList<>();
            for (int i = 0; i < replicas.size(); i++) {
                ShardClient replica = replicas.get((start + i) % replicas.size());
                (replica.live() ? live : down).add(replica);
            }
            live.addAll(down);
            return live;
        }
    }

    @Override
    public void start(ServerMetrics serverMetrics) {
        this.metrics = new RouterMetrics(serverMetrics.registry(), () -> {
            Plan current = plan;
            return current == null ? null : current.generation();
        });
        refresher.scheduleWithFixedDelay(this::refresh, 0, config.refresh().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public Optional<String> serving() {
        Plan current = plan;
        return current == null || !current.complete() ? Optional.empty() : Optional.of(name(current.generation()));
    }

    private static String name(ShardProtocol.Open generation) {
        return generation.generation() != null ? generation.generation() : generation.indexId();
    }

    // ---- which generation: the refresh -------------------------------------------------------

    /** Asks every shard server which generations it has open, then plans. */
    synchronized void refresh() {
        String error = null;
        try {
            Set<URI> targets = targets();
            clients.keySet().retainAll(targets);
            for (URI target : targets) {
                clients.computeIfAbsent(target, uri -> new ShardClient(uri, http));
            }
        } catch (RuntimeException e) {
            error = e.getMessage(); // keep the shard servers known so far
            LOG.log(Level.WARNING, "resolving the shard servers failed: " + e.getMessage());
        }
        Map<ShardClient, CompletableFuture<HttpResponse<byte[]>>> asked = new HashMap<>();
        for (ShardClient client : clients.values()) {
            asked.put(client, client.generations(config.shardTimeout()));
        }
        Instant now = config.clock().instant();
        for (Map.Entry<ShardClient, CompletableFuture<HttpResponse<byte[]>>> entry : asked.entrySet()) {
            ShardClient client = entry.getKey();
            try {
                HttpResponse<byte[]> response = entry.getValue().get(config.shardTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                if (response.statusCode() != 200) {
                    client.refreshFailed("HTTP " + response.statusCode() + " from " + ShardProtocol.GENERATIONS);
                    continue;
                }
                ShardProtocol.Generations found = ShardApi.read(response.body(), ShardProtocol.Generations.class);
                if (found.version() != ShardProtocol.VERSION) {
                    client.refreshFailed("speaks version " + found.version() + " of the internal API, not " + ShardProtocol.VERSION);
                    continue;
                }
                client.refreshed(found, now);
            } catch (ExecutionException | java.util.concurrent.TimeoutException | IOException e) {
                entry.getValue().cancel(true);
                client.refreshFailed(describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Plan before = plan;
        Plan next = plan(before);
        plan = next;
        if (next != null && (before == null || !before.generation().indexId().equals(next.generation().indexId()))) {
            LOG.info("routing to " + name(next.generation()) + " (index " + next.generation().indexId() + ") over " + next.groups().size()
                    + " groups of shard servers" + (next.complete() ? "" : "; partitions with no live server: " + next.missing()));
        }
        lastRefresh = new Serving.Poll(now.toString(), next == null ? null : next.generation().generation(),
                next == null ? null : next.generation().indexId(), error);
    }

    /** The shard servers' base URLs: as given, and every address of each {@code dns:NAME:PORT} as it resolves now. */
    private Set<URI> targets() {
        Set<URI> targets = new LinkedHashSet<>();
        for (String shard : config.shards()) {
            if (!shard.startsWith("dns:")) {
                targets.add(URI.create(shard.endsWith("/") ? shard : shard + "/"));
                continue;
            }
            String hostPort = shard.substring("dns:".length());
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("a DNS name of shard servers is dns:NAME:PORT, not '" + shard + "'");
            }
            try {
                for (InetAddress address : InetAddress.getAllByName(hostPort.substring(0, colon))) {
                    String host = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
                    targets.add(URI.create("http://" + host + ":" + hostPort.substring(colon + 1) + "/"));
                }
            } catch (UnknownHostException e) {
                throw new IllegalStateException("cannot resolve " + hostPort.substring(0, colon) + ": " + e.getMessage(), e);
            }
        }
        return targets;
    }

    /**
     * The generation to pin and who serves it. The generation every live shard server names as
     * its current one, once every partition of it has a live server; until then the pinned one
     * while it stays whole; else the whole one most servers name as current (the newest commit
     * among equals); else, with no whole generation, the pinned one with its missing partitions.
     */
    private Plan plan(Plan before) {
        Map<String, ShardProtocol.Open> generations = new HashMap<>();
        Map<String, Map<List<Integer>, List<ShardClient>>> holders = new HashMap<>();
        Map<String, Integer> current = new HashMap<>();
        int withCurrent = 0;
        for (ShardClient client : clients.values()) {
            ShardProtocol.Generations found = client.generations();
            if (found == null) {
                continue;
            }
            if (found.current() != null) {
                withCurrent++;
                current.merge(found.current(), 1, Integer::sum);
            }
            for (ShardProtocol.Open open : found.open()) {
                generations.putIfAbsent(open.indexId(), open);
                holders.computeIfAbsent(open.indexId(), id -> new HashMap<>())
                        .computeIfAbsent(open.held(), held -> new ArrayList<>()).add(client);
            }
        }
        Map<String, Plan> plans = new HashMap<>();
        for (Map.Entry<String, ShardProtocol.Open> generation : generations.entrySet()) {
            plans.put(generation.getKey(), plan(generation.getValue(), holders.get(generation.getKey()), before));
        }
        int agreeing = withCurrent;
        Optional<Plan> everyones = current.entrySet().stream().filter(entry -> entry.getValue() == agreeing).map(Map.Entry::getKey)
                .map(plans::get).filter(p -> p != null && p.complete()).findFirst();
        if (everyones.isPresent()) {
            return everyones.get();
        }
        if (before != null && plans.containsKey(before.generation().indexId()) && plans.get(before.generation().indexId()).complete()) {
            return plans.get(before.generation().indexId());
        }
        Optional<Plan> best = plans.values().stream().filter(Plan::complete)
                .max(Comparator.comparingInt((Plan p) -> current.getOrDefault(p.generation().indexId(), 0))
                        .thenComparing(p -> p.generation().committedAt()));
        if (best.isPresent()) {
            return best.get();
        }
        if (before == null) {
            return plans.values().stream().max(Comparator.comparing(p -> p.generation().committedAt())).orElse(null);
        }
        Plan pinned = plans.get(before.generation().indexId());
        return pinned != null ? pinned : new Plan(before.generation(), List.of(), all(before.generation().partitions()));
    }

    /** Groups the holders of one generation: one group per distinct set of partitions, disjoint, in partition order. */
    private static Plan plan(ShardProtocol.Open generation, Map<List<Integer>, List<ShardClient>> holders, Plan before) {
        List<Map.Entry<List<Integer>, List<ShardClient>>> sets = new ArrayList<>(holders.entrySet());
        sets.removeIf(entry -> entry.getKey().isEmpty());
        sets.sort(Comparator.comparing((Map.Entry<List<Integer>, List<ShardClient>> entry) -> entry.getKey().getFirst())
                .thenComparing(entry -> -entry.getKey().size()));
        TreeSet<Integer> covered = new TreeSet<>();
        List<Group> groups = new ArrayList<>();
        for (Map.Entry<List<Integer>, List<ShardClient>> set : sets) {
            if (set.getKey().stream().anyMatch(covered::contains)) {
                continue; // overlaps a group taken already: a server of another layout, left out
            }
            covered.addAll(set.getKey());
            List<ShardClient> replicas = new ArrayList<>(set.getValue());
            replicas.sort(Comparator.comparing(client -> client.base().toString()));
            groups.add(new Group(set.getKey(), List.copyOf(replicas), rotation(before, set.getKey())));
        }
        List<Integer> missing = all(generation.partitions()).stream().filter(n -> !covered.contains(n)).toList();
        return new Plan(generation, List.copyOf(groups), missing);
    }

    /** A group keeps its rotation across refreshes, so the first choice keeps moving. */
    private static AtomicInteger rotation(Plan before, List<Integer> partitions) {
        if (before != null) {
            for (Group group : before.groups()) {
                if (group.partitions().equals(partitions)) {
                    return group.next();
                }
            }
        }
        return new AtomicInteger();
    }

    private static List<Integer> all(int partitions) {
        return java.util.stream.IntStream.range(0, partitions).boxed().toList();
    }

    // ---- one query -------------------------------------------------------------------------

    /** A shard server answered 410: the generation the query was pinned to is not open there any more. */
    private static final class GenerationGone extends RuntimeException {
        GenerationGone(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public Answer search(SearchRequest request) {
        boolean partial = request.partial();
        Plan pinned = plan;
        for (int attempt = 1; ; attempt++) {
            if (pinned == null) {
                throw new ServerException(ErrorKind.NOT_READY, "no generation has live shard servers yet: see /health");
            }
            try {
                return search(pinned, request, partial);
            } catch (GenerationGone e) {
                if (attempt == 2) {
                    throw new ServerException(ErrorKind.SHARDS_UNAVAILABLE, e.getMessage());
                }
                refresh(); // the shards moved on: plan again on what they have open now
                pinned = plan;
            }
        }
    }

    private Answer search(Plan pinned, SearchRequest request, boolean partial) {
        long start = System.nanoTime();
        AtomicInteger requests = new AtomicInteger();
        String indexId = pinned.generation().indexId();
        TreeSet<Integer> missing = new TreeSet<>(pinned.missing());
        if (!missing.isEmpty() && !partial) {
            throw unavailable(pinned, missing);
        }
        List<Group> groups = new ArrayList<>(pinned.groups());

        // 1. The statistics of the query's terms over every group, summed, and the expansions of its fuzzy
        // terms decided for the whole generation (one group's are the whole's: it rewrites them itself).
        Phase1 scoring = Phase1.NONE;
        if (groups.size() > 1) {
            String key = indexId + '\u0000' + request.query();
            synchronized (statistics) {
                scoring = statistics.get(key);
            }
            if (scoring == null) {
                Map<Group, ShardSearch.Statistics> answers = fanOut(groups, ShardClient.Phase.STATISTICS,
                        new ShardProtocol.StatisticsRequest(indexId, request.query()), ShardSearch.Statistics.class, partial, missing, requests);
                scoring = new Phase1(ShardSearch.sum(answers.values().stream().map(ShardSearch.Statistics::terms).toList()),
                        Expansions.decide(answers.values().stream().map(ShardSearch.Statistics::candidates).toList()));
                groups.retainAll(answers.keySet());
                if (answers.size() == pinned.groups().size()) {
                    synchronized (statistics) {
                        statistics.put(key, scoring);
                    }
                }
            }
        }

        // 2. Each group's best from + k in the request's order, scored with them, and its facets' full counts;
        // merged in that order, the counts summed.
        Map<Group, ShardSearch.Result> results = fanOut(groups, ShardClient.Phase.SEARCH,
                ShardProtocol.SearchRequest.of(indexId, request, scoring.statistics(), scoring.expansions()), ShardSearch.Result.class, partial,
                missing, requests);
        ShardSearch.Result page = ShardSearch.merge(List.copyOf(results.values()), request.sort(), request.facets(), request.from(),
                request.k());

        // 3. The page's stored fields, from the groups that own its hits only.
        Map<ShardSearch.Address, ShardSearch.Stored> stored = new HashMap<>();
        if (request.storedFields() && !page.hits().isEmpty()) {
            Map<Group, List<ShardSearch.Address>> owned = new LinkedHashMap<>();
            for (ShardSearch.Hit hit : page.hits()) {
                Group owner = groups.stream().filter(group -> group.partitions().contains(hit.partition())).findFirst().orElseThrow();
                owned.computeIfAbsent(owner, group -> new ArrayList<>()).add(hit.address());
            }
            Map<Group, ShardProtocol.FetchRequest> fetches = new LinkedHashMap<>();
            owned.forEach((group, addresses) -> fetches.put(group,
                    new ShardProtocol.FetchRequest(indexId, request.query(), request.highlight(), addresses)));
            Map<Group, ShardProtocol.Fetched> fetched = fanOut(fetches, ShardClient.Phase.FETCH, ShardProtocol.Fetched.class, false, missing,
                    requests);
            owned.forEach((group, addresses) -> {
                for (int i = 0; i < addresses.size(); i++) {
                    stored.put(addresses.get(i), fetched.get(group).documents().get(i));
                }
            });
        }
        List<SearchResult.Hit> hits = new ArrayList<>(page.hits().size());
        for (ShardSearch.Hit hit : page.hits()) {
            ShardSearch.Stored document = stored.getOrDefault(hit.address(), new ShardSearch.Stored(Map.of(), Map.of()));
            hits.add(new SearchResult.Hit(hit.id(), hit.score(), hit.partition(), document.fields(), document.highlights(),
                    request.sort().relevance() ? List.of() : request.sort().shown(hit.sort())));
        }
        metrics.requests(requests.get());
        String after = hits.size() == request.k() ? new Cursor(request.sort().describe(), page.hits().getLast().sort()).token() : null;
        SearchResult result = new SearchResult(indexId, request.query(), request.k(), request.from(), page.count(), hits,
                (System.nanoTime() - start) / 1e9, request.sort().relevance() ? null : request.sort().describe(), after,
                page.timedOut() ? Boolean.TRUE : null, ShardSearch.facets(request.facets(), page.facets()));
        return new Answer(pinned.generation().location(), pinned.generation().generation(), result, List.copyOf(missing));
    }

    /** What the first phase gives the second: the terms' statistics summed over the generation, and the fuzzy terms' expansions. */
    private record Phase1(Map<String, CommittedIndex.TermStatistic> statistics, List<Expansions.Expansion> expansions) {
        static final Phase1 NONE = new Phase1(Map.of(), List.of());
    }

    private <T> Map<Group, T> fanOut(List<Group> groups, ShardClient.Phase phase, Object request, Class<T> type, boolean partial,
            Set<Integer> missing, AtomicInteger requests) {
        Map<Group, Object> requestsByGroup = new LinkedHashMap<>();
        groups.forEach(group -> requestsByGroup.put(group, request));
        return fanOut(requestsByGroup, phase, type, partial, missing, requests);
    }

    /**
     * Sends each group its request at once and waits for every answer. A group that cannot answer
     * fails the query, unless {@code partial}: then its partitions join {@code missing} and it is
     * left out of the map.
     */
    private <T> Map<Group, T> fanOut(Map<Group, ?> requestsByGroup, ShardClient.Phase phase, Class<T> type, boolean partial,
            Set<Integer> missing, AtomicInteger requests) {
        long deadline = System.nanoTime() + config.shardTimeout().toNanos();
        Map<Group, Future<byte[]>> calls = new LinkedHashMap<>();
        for (Map.Entry<Group, ?> entry : requestsByGroup.entrySet()) {
            byte[] body = compact(entry.getValue());
            calls.put(entry.getKey(), fanOut.submit(() -> call(entry.getKey(), phase, body, deadline, requests)));
        }
        Map<Group, T> answers = new LinkedHashMap<>();
        RuntimeException failure = null;
        for (Map.Entry<Group, Future<byte[]>> call : calls.entrySet()) {
            try {
                answers.put(call.getKey(), ShardApi.read(call.getValue().get(), type));
            } catch (ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
                boolean unanswered = cause instanceof ServerException server && server.errorKind() == ErrorKind.SHARDS_UNAVAILABLE;
                if (partial && unanswered) {
                    missing.addAll(call.getKey().partitions());
                } else if (failure == null || failure instanceof ServerException && cause instanceof GenerationGone) {
                    failure = cause;
                }
            } catch (IOException e) {
                failure = new ServerException(ErrorKind.INTERNAL_ERROR, "a shard server's " + phase.label() + " answer is not version "
                        + ShardProtocol.VERSION + " of the internal API: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServerException(ErrorKind.SHARDS_UNAVAILABLE, "interrupted");
            }
        }
        if (failure != null) {
            throw failure;
        }
        return answers;
    }

    /** What one finished request to a replica gave. */
    private record Done(ShardClient replica, HttpResponse<byte[]> response, Throwable failure, long nanos) {}

    /**
     * One phase's request to one group: to its first replica; to the next when that fails (a
     * retry) or is slower than the hedge percentile (a hedge); the first success wins, the rest are
     * cancelled.
     *
     * @throws GenerationGone if every replica that answered no longer has the generation open
     * @throws ServerException {@link ErrorKind#SHARDS_UNAVAILABLE} if no replica answered by the
     *     deadline; the kind a shard gave for a request it refused (a query the parser rejects: 400)
     */
    private byte[] call(Group group, ShardClient.Phase phase, byte[] body, long deadline, AtomicInteger requests) throws InterruptedException {
        List<ShardClient> order = group.order();
        LinkedBlockingQueue<Done> done = new LinkedBlockingQueue<>();
        List<CompletableFuture<HttpResponse<byte[]>>> inFlight = new ArrayList<>();
        int next = 0;
        int pending = 0;
        int gone = 0;
        boolean hedged = config.hedgePercentile() >= 100;
        List<String> errors = new ArrayList<>();
        long hedgeAt = 0;
        try {
            while (true) {
                long now = System.nanoTime();
                if (pending == 0 || (!hedged && now - hedgeAt >= 0 && next < order.size())) {
                    if (next >= order.size()) {
                        break;
                    }
                    if (pending > 0) {
                        hedged = true;
                        metrics.hedge(order.get(next - 1).name());
                    }
                    ShardClient replica = order.get(next++);
                    long sent = now;
                    Duration timeout = Duration.ofNanos(Math.max(1_000_000, deadline - now));
                    CompletableFuture<HttpResponse<byte[]>> future = replica.post(phase, body, timeout);
                    future.whenComplete((response, failure) -> done.add(new Done(replica, response, failure, System.nanoTime() - sent)));
                    inFlight.add(future);
                    requests.incrementAndGet();
                    pending++;
                    hedgeAt = now + replica.hedgeAfterNanos(phase, config.hedgePercentile());
                }
                long wait = deadline - now;
                if (!hedged && next < order.size()) {
                    wait = Math.min(wait, hedgeAt - now);
                }
                if (deadline - now <= 0) {
                    break;
                }
                Done finished = done.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
                if (finished == null) {
                    continue;
                }
                pending--;
                ShardClient replica = finished.replica();
                int status = finished.response() == null ? 0 : finished.response().statusCode();
                metrics.request(replica.name(), phase.label(), status == 200, finished.nanos());
                if (status == 200) {
                    replica.answered(phase, finished.nanos());
                    return finished.response().body();
                }
                if (status == 410) {
                    gone++;
                    errors.add(replica.name() + ": " + message(finished.response().body()));
                } else if (status == 400 || status == ErrorKind.QUERY_TIMEOUT.httpStatus() && refused(finished.response().body()).errorKind()
                        == ErrorKind.QUERY_TIMEOUT) {
                    // The request itself, not the replica: another replica would refuse it too, or run past the deadline too.
                    throw refused(finished.response().body());
                } else {
                    String error = finished.failure() != null ? describe(finished.failure())
                            : "HTTP " + status + ": " + message(finished.response().body());
                    errors.add(replica.name() + ": " + error);
                    replica.failed(error);
                    if (next < order.size() || pending > 0) {
                        metrics.retry(replica.name());
                    }
                }
            }
        } finally {
            inFlight.forEach(future -> future.cancel(true));
        }
        if (gone > 0 && gone == errors.size()) {
            throw new GenerationGone("partitions " + group.partitions() + ": " + errors);
        }
        throw new ServerException(ErrorKind.SHARDS_UNAVAILABLE, "partitions " + group.partitions() + " of the generation had no shard server"
                + " that answered the " + phase.label() + " request within " + config.shardTimeout().toMillis() + " ms"
                + (errors.isEmpty() ? "" : ": " + String.join("; ", errors)));
    }

    private ServerException unavailable(Plan pinned, Set<Integer> missing) {
        return new ServerException(ErrorKind.SHARDS_UNAVAILABLE, "partitions " + missing + " of generation " + name(pinned.generation())
                + " have no live shard server (ask with partial=true for the hits of the others)");
    }

    /** A shard's refusal of the request itself, given to the client as the shard put it. */
    private static ServerException refused(byte[] body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            ErrorKind kind = Json.parseWire(ErrorKind.class, error.path("kind").asText(), "error kind");
            return new ServerException(kind, error.path("message").asText());
        } catch (IOException | IllegalArgumentException e) {
            return new ServerException(ErrorKind.INTERNAL_ERROR, "a shard server refused the request: " + new String(body,
                    java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static String message(byte[] body) {
        try {
            return Json.MAPPER.readTree(body).path("error").path("message").asText("");
        } catch (IOException e) {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure instanceof ExecutionException || failure instanceof java.util.concurrent.CompletionException
                ? failure.getCause() : failure;
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    private static byte[] compact(Object value) {
        try {
            return Json.COMPACT.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a request: " + e.getMessage(), e);
        }
    }

    // ---- health ------------------------------------------------------------------------------

    /**
     * One shard server as {@code /health} shows it: whether it is live, the generation it names as
     * current, those it has open, the partitions of the pinned generation it holds.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ShardView(String url, boolean live, @JsonInclude(JsonInclude.Include.ALWAYS) String current, List<String> open,
            List<Integer> partitions, @JsonInclude(JsonInclude.Include.ALWAYS) String lastError,
            @JsonInclude(JsonInclude.Include.ALWAYS) String lastSeen) {}

    @Override
    public SearchServer.Health health(boolean draining) {
        Plan current = plan;
        SearchServer.State state = draining ? SearchServer.State.DRAINING
                : current != null && current.complete() ? SearchServer.State.SERVING : SearchServer.State.STARTING;
        SearchServer.Served served = current == null || !current.complete() ? null : new SearchServer.Served(
                Duration.between(Instant.parse(current.generation().committedAt()), config.clock().instant()).toSeconds(), 0,
                current.generation().committedAt(), current.generation().documents(), current.generation().generation(),
                current.generation().indexId(), current.generation().partitions(), null, current.generation().fields());
        List<ShardView> shards = new ArrayList<>();
        for (ShardClient client : clients.values().stream().sorted(Comparator.comparing(c -> c.base().toString())).toList()) {
            ShardProtocol.Generations found = client.generations();
            List<String> open = found == null ? List.of() : found.open().stream().map(o -> o.generation() != null ? o.generation() : o.indexId()).toList();
            String currentName = found == null || found.current() == null ? null : found.open().stream()
                    .filter(o -> o.indexId().equals(found.current())).map(Router::name).findFirst().orElse(found.current());
            List<Integer> held = found == null || current == null ? List.of() : found.open().stream()
                    .filter(o -> o.indexId().equals(current.generation().indexId())).findFirst().map(ShardProtocol.Open::held).orElse(List.of());
            shards.add(new ShardView(client.base().toString(), client.live(), currentName, open, held, client.lastError(),
                    client.lastSeen() == null ? null : client.lastSeen().toString()));
        }
        return new SearchServer.Health(null, lastRefresh, null, served,
                new SearchServer.Source(SearchServer.Kind.ROUTER, String.join(",", config.shards()), config.refresh().toMillis()), state, null,
                shards);
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        http.shutdownNow();
        fanOut.shutdownNow();
    }
}
