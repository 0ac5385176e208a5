package dev.ftindex.server;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.CollectionStatus;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Retry;
import dev.ftindex.objectstore.Tasks;
import dev.ftindex.search.IndexCache;
import dev.ftindex.search.PageCache;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * When what the server serves changes: the poll and the queue of updates.
 *
 * <p>A poller reads the alias (or, for an index root, its {@code metadata.lance}) every
 * {@code poll}; when it names something other than what is served, an {@link Update} is queued
 * and one updater thread carries it out while queries are answered from the old generation: the
 * {@link GenerationLoader} resolves, fetches, verifies, opens and warms it, and
 * {@link ServedGenerations} swaps it in. A failed update changes nothing that is served; it shows as
 * failed in {@code /health} with the time of its next attempt: the same generation is tried again
 * after a backoff that doubles with each failure (from the poll interval up to
 * {@link #MAX_RETRY_WAIT}), and at once when the alias moves. A failure is logged as a warning
 * when its error differs from the last one's. For a collection, each poll also lists the
 * generations being built.
 */
final class Serving implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Serving.class.getName());
    private static final int UPDATES_SHOWN = 20;
    private static final int WARMING_QUERIES = 32;
    /** The longest a failed generation waits for its next attempt. */
    static final Duration MAX_RETRY_WAIT = Duration.ofMinutes(10);

    private final ServerConfig config;
    private final ObjectStore store;
    private final boolean collection;
    private final ServedGenerations generations = new ServedGenerations();
    private final RecentQueries recentQueries = new RecentQueries(WARMING_QUERIES);
    private final PageCache pages;
    private final GenerationLoader loader;
    private final Retry retries;
    private final LinkedList<Update> updates = new LinkedList<>();
    private final ScheduledExecutorService poller;
    private final ExecutorService updater;
    private final Set<String> committedGenerations = new HashSet<>();
    private volatile List<CollectionStatus.Building> building = List.of();
    private volatile Poll lastPoll;
    private volatile ServerMetrics metrics;
    private Update queued;
    private Update running;
    /** What the last poll resolved: a target that differs from it is a move of the alias. */
    private GenerationLoader.Target lastTarget;

    Serving(ServerConfig config) {
        this.config = config;
        this.store = config.store();
        this.collection = IndexCollection.isCollection(store);
        this.pages = config.reading().openPageCache(config.cacheRoot());
        this.loader = new GenerationLoader(store, new IndexCache(config.cacheRoot(), config.threads()), pages, config.reading().fetch(),
                config.threads(), recentQueries, config.partitions(), config.limits());
        this.retries = Retry.onTransient().backoff(config.poll(), config.poll().compareTo(MAX_RETRY_WAIT) > 0 ? config.poll() : MAX_RETRY_WAIT);
        this.poller = Tasks.scheduled("ftindex-poll");
        this.updater = Tasks.pool(1, "ftindex-update");
    }

    void start(ServerMetrics serverMetrics) {
        this.metrics = serverMetrics;
        poller.scheduleWithFixedDelay(this::poll, 0, config.poll().toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isCollection() {
        return collection;
    }

    /** The current generation, held until the lease is closed; empty before the first one is open. */
    Optional<ServedGenerations.Lease> acquire() {
        return generations.acquire();
    }

    Optional<ServedGeneration.Identity> serving() {
        return generations.serving();
    }

    /** The generation a router names by its index id, current or retained; empty when it is not open here. */
    Optional<ServedGenerations.Lease> acquire(String indexId) {
        return generations.acquire(indexId);
    }

    /** What a router may ask for: the current generation first, then those retained for routers. */
    List<ServedGeneration.Identity> routable() {
        return generations.routable();
    }

    /** Remembers a query that was answered, to warm the next generation with. */
    void answered(String query) {
        recentQueries.answered(query);
    }

    synchronized List<Update.View> updates() {
        return updates.stream().map(Update::view).toList();
    }

    List<CollectionStatus.Building> building() {
        return building;
    }

    Optional<Poll> lastPoll() {
        return Optional.ofNullable(lastPoll);
    }

    long cacheBytes() {
        return generations.openBytes();
    }

    /** The page cache every generation read where it lies shares. */
    PageCache.Stats pageCache() {
        return pages.stats();
    }

    /** The last read of the alias: when, what it named, and what went wrong, if anything. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Poll(String at, String generation, String indexId, String error) {}

    private void poll() {
        generations.expire(ServedGenerations.ROUTED_RETENTION);
        try {
            Optional<GenerationLoader.Target> target = resolve();
            lastPoll = new Poll(config.clock().instant().toString(), target.map(GenerationLoader.Target::generation).orElse(null),
                    target.map(GenerationLoader.Target::indexId).orElse(null), null);
            target.ifPresent(this::offer);
        } catch (RuntimeException e) {
            lastPoll = new Poll(config.clock().instant().toString(), null, null, e.getMessage());
            LOG.log(Level.WARNING, "reading " + store.location() + " failed: " + e.getMessage());
        }
        if (collection) {
            try {
                building = CollectionStatus.building(new IndexCollection(store), committedGenerations);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "listing the generations being built failed: " + e.getMessage(), e);
            }
        }
    }

    /** What should be served now: the alias's current generation, or the index root once committed. */
    private Optional<GenerationLoader.Target> resolve() {
        if (collection) {
            Optional<AliasVersion> alias = new IndexCollection(store).latest();
            return alias.map(a -> new GenerationLoader.Target(a.current().generation(), a.current().indexId()));
        }
        if (generations.serving().isPresent()) {
            return Optional.empty(); // an index root is immutable once committed
        }
        return new IndexRoot(store).committed().map(IndexMetadata::indexId).map(id -> new GenerationLoader.Target(null, id));
    }

    private synchronized void offer(GenerationLoader.Target target) {
        boolean moved = lastTarget != null && !lastTarget.equals(target);
        lastTarget = target;
        Optional<ServedGeneration.Identity> served = generations.serving();
        if (served.isPresent() && served.get().sameAs(target.generation(), target.indexId())) {
            return;
        }
        if (running != null && matches(running, target) || queued != null && matches(queued, target)) {
            return;
        }
        int attempt = 1;
        Update previousFailure = null;
        for (Update update : updates) {
            if (update.status() == Update.Status.FAILED && matches(update, target)) {
                previousFailure = update;
                break;
            }
        }
        if (previousFailure != null) {
            if (!moved && previousFailure.nextRetryAt() != null && config.clock().instant().isBefore(previousFailure.nextRetryAt())) {
                return; // backing off
            }
            attempt = moved ? 1 : previousFailure.attempt() + 1;
            updates.remove(previousFailure); // the retry takes its place in the list
        }
        String lastError = previousFailure == null || moved ? null : previousFailure.message();
        Update update = new Update(config.clock(), target.generation(), attempt);
        update.indexId(target.indexId());
        if (queued != null) {
            queued.fail("superseded by " + target.name() + " before it started");
        }
        queued = update;
        updates.addFirst(update);
        while (updates.size() > UPDATES_SHOWN) {
            updates.removeLast();
        }
        updater.execute(() -> run(update, target, lastError));
    }

    private static boolean matches(Update update, GenerationLoader.Target target) {
        return Objects.equals(update.generation(), target.generation()) && Objects.equals(update.indexId(), target.indexId());
    }

    /** @param lastError the error of this generation's last failed attempt, if any: the same error again is not logged as a warning */
    private void run(Update update, GenerationLoader.Target target, String lastError) {
        synchronized (this) {
            if (update.finished()) {
                return; // superseded while queued
            }
            if (queued == update) {
                queued = null;
            }
            running = update;
        }
        try {
            ServedGeneration next = loader.load(target, update, generations::closed);
            update.step(Update.Step.SWAPPING);
            generations.swap(next);
            ServedGeneration.Identity identity = next.identity();
            update.complete("serving " + target.name() + ": " + identity.docs() + " documents in " + identity.partitions() + " partitions");
            LOG.info("now serving " + target.name() + " (index " + identity.indexId() + ")");
        } catch (RuntimeException | IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            Duration wait = retries.ceiling(update.attempt());
            update.fail(message, config.clock().instant().plus(wait));
            String text = "update to " + target.name() + " failed (attempt " + update.attempt() + "; next in " + wait.toSeconds()
                    + " s unless the alias moves), still serving " + serving().map(ServedGeneration.Identity::name).orElse("nothing") + ": "
                    + message;
            LOG.log(message.equals(lastError) ? Level.FINE : Level.WARNING, text);
        } finally {
            synchronized (this) {
                running = null;
            }
            ServerMetrics serverMetrics = metrics;
            if (serverMetrics != null) {
                serverMetrics.update(update.status(), update.elapsedMillis());
            }
        }
    }

    /** Stops polling and updating, and releases the served generation (closed once the last query ends; its files stay). */
    @Override
    public void close() {
        poller.shutdownNow();
        updater.shutdownNow();
        try {
            updater.awaitTermination(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        generations.close();
        pages.close();
    }
}
