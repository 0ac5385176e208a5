package dev.ftindex.server;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.ftindex.finalizer.CollectionStatus;
import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.NotCommittedException;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Retry;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.IndexCache;
import dev.ftindex.search.QuerySyntaxException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the server serves, and how it changes: the hot swap.
 *
 * <p>A poller reads the alias (or, for an index root, its {@code metadata.lance}) every
 * {@code poll}; when it names something other than what is served, an {@link Update} is queued
 * and one updater thread carries it out while queries are answered from the old generation:
 * resolve the metadata, fetch the files into the verified cache, check them there, open them,
 * warm them with recent queries, and swap. The swap is one atomic reference exchange, so each
 * query, which acquires the current generation once ({@link #acquire}), is answered from exactly
 * one whole generation. The old generation is closed when its last query releases it, and its
 * cache files are removed after that. A failed update changes nothing that is served; it shows as
 * failed in {@code /health} with the time of its next attempt: the same generation is tried again
 * after a backoff that doubles with each failure ({@link #retries}: from the poll interval up to
 * {@link #MAX_RETRY_WAIT}), and at once when the alias moves. A failure is logged as a warning
 * when its error differs from the last one's.
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
    private final AtomicReference<ServedGeneration> current = new AtomicReference<>();
    private final LinkedList<Update> updates = new LinkedList<>();
    private final ConcurrentLinkedDeque<String> recentQueries = new ConcurrentLinkedDeque<>();
    /** Holders of each cache directory (open generations, an update fetching): removed only when none is left. */
    private final Map<Path, Integer> holders = new HashMap<>();
    private final List<ServedGeneration> open = new ArrayList<>();
    private final ScheduledExecutorService poller;
    private final ExecutorService updater;
    private final Set<String> committedGenerations = new HashSet<>();
    private volatile List<CollectionStatus.Building> building = List.of();
    private volatile Poll lastPoll;
    private volatile ServerMetrics metrics;
    private final Retry retries;
    private Update queued;
    private Update running;
    /** What the last poll resolved: a target that differs from it is a move of the alias. */
    private Target lastTarget;
    /** Set by {@link #close}: the last generation's files stay in the cache, for the next start to reuse. */
    private volatile boolean stopping;

    Serving(ServerConfig config) {
        this.config = config;
        this.store = config.store();
        this.collection = IndexCollection.isCollection(store);
        this.retries = Retry.onTransient().backoff(config.poll(),
                config.poll().compareTo(MAX_RETRY_WAIT) > 0 ? config.poll() : MAX_RETRY_WAIT);
        this.poller = Executors.newSingleThreadScheduledExecutor(daemon("ftindex-poll"));
        this.updater = Executors.newSingleThreadExecutor(daemon("ftindex-update"));
    }

    void start(ServerMetrics serverMetrics) {
        this.metrics = serverMetrics;
        poller.scheduleWithFixedDelay(this::poll, 0, config.poll().toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isCollection() {
        return collection;
    }

    /** A query's hold on the generation serving it. */
    record Lease(ServedGeneration generation) implements AutoCloseable {
        @Override
        public void close() {
            generation.release();
        }
    }

    /** The current generation, held until the lease is closed; empty before the first one is open. */
    Optional<Lease> acquire() {
        while (true) {
            ServedGeneration served = current.get();
            if (served == null) {
                return Optional.empty();
            }
            if (served.tryAcquire()) {
                return Optional.of(new Lease(served));
            }
            // Swapped out and closed between the read and the acquire: read the new one.
        }
    }

    Optional<ServedGeneration.Identity> serving() {
        return Optional.ofNullable(current.get()).map(ServedGeneration::identity);
    }

    /** Remembers a query that was answered, to warm the next generation with. */
    void answered(String query) {
        recentQueries.addFirst(query);
        while (recentQueries.size() > WARMING_QUERIES) {
            recentQueries.pollLast();
        }
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

    synchronized long cacheBytes() {
        long bytes = 0;
        for (ServedGeneration generation : open) {
            bytes += generation.identity().bytes();
        }
        return bytes;
    }

    /** The last read of the alias: when, what it named, and what went wrong, if anything. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Poll(String at, String generation, String indexId, String error) {}

    private record Target(String generation, String indexId) {}

    private void poll() {
        try {
            Optional<Target> target = resolve();
            lastPoll = new Poll(config.clock().instant().toString(), target.map(Target::generation).orElse(null),
                    target.map(Target::indexId).orElse(null), null);
            target.ifPresent(this::offer);
        } catch (RuntimeException e) {
            lastPoll = new Poll(config.clock().instant().toString(), null, null, e.getMessage());
            LOG.log(Level.WARNING, "reading " + store.location() + " failed: " + e.getMessage());
        }
        if (collection) {
            try {
                building = buildingGenerations();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "listing the generations being built failed: " + e.getMessage(), e);
            }
        }
    }

    /** What should be served now: the alias's current generation, or the index root once committed. */
    private Optional<Target> resolve() {
        if (collection) {
            Optional<AliasVersion> alias = new IndexCollection(store).latest();
            return alias.map(a -> new Target(a.current().generation(), a.current().indexId()));
        }
        ServedGeneration served = current.get();
        if (served != null) {
            return Optional.empty(); // an index root is immutable once committed
        }
        return StoredJson.readIfExists(store, IndexLayout.METADATA, IndexMetadata.class).map(m -> new Target(null, m.indexId()));
    }

    private synchronized void offer(Target target) {
        boolean moved = lastTarget != null && !lastTarget.equals(target);
        lastTarget = target;
        ServedGeneration served = current.get();
        if (served != null && served.identity().sameAs(target.generation(), target.indexId())) {
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
            queued.fail("superseded by " + name(target) + " before it started");
        }
        queued = update;
        updates.addFirst(update);
        while (updates.size() > UPDATES_SHOWN) {
            updates.removeLast();
        }
        updater.execute(() -> run(update, target, lastError));
    }

    private static boolean matches(Update update, Target target) {
        return java.util.Objects.equals(update.generation(), target.generation()) && java.util.Objects.equals(update.indexId(), target.indexId());
    }

    private static String name(Target target) {
        return target.generation() != null ? "generation " + target.generation() : "index " + target.indexId();
    }

    /** @param lastError the error of this generation's last failed attempt, if any: the same error again is not logged as a warning */
    private void run(Update update, Target target, String lastError) {
        synchronized (this) {
            if (update.finished()) {
                return; // superseded while queued
            }
            if (queued == update) {
                queued = null;
            }
            running = update;
        }
        CommittedIndex index = null;
        Path directory = null;
        try {
            update.step(Update.Step.RESOLVING);
            ObjectStore root = target.generation() != null ? new IndexCollection(store).generation(target.generation()) : store;
            IndexMetadata metadata;
            Instant committedAt;
            try {
                metadata = StoredJson.read(root, IndexLayout.METADATA, IndexMetadata.class);
                committedAt = root.head(IndexLayout.METADATA).lastModified();
            } catch (ObjectNotFoundException e) {
                throw new NotCommittedException(root.location());
            }
            if (!metadata.indexId().equals(target.indexId())) {
                throw new CorruptIndexException(root.location() + IndexLayout.METADATA + " is index " + metadata.indexId()
                        + ", but the alias names index " + target.indexId() + " for it", List.of());
            }

            update.step(Update.Step.FETCHING);
            IndexCache cache = new IndexCache(root, config.cacheRoot(), config.threads(), update.progress());
            directory = cache.directory(metadata);
            hold(directory);
            List<Path> partitions = cache.fetch(metadata);

            update.step(Update.Step.VERIFYING);
            verifyCached(metadata, partitions, update);

            update.step(Update.Step.OPENING);
            try (Stage stage = update.progress().stage("opening", "partitions", partitions.size(), -1)) {
                index = CommittedIndex.openLocal(metadata, partitions, config.threads());
                stage.add(partitions.size(), 0);
            }

            update.step(Update.Step.WARMING);
            warm(index, update);

            update.step(Update.Step.SWAPPING);
            ServedGeneration next = new ServedGeneration(index, ServedGeneration.Identity.of(root.location(), target.generation(), metadata, committedAt),
                    directory, this::closed);
            swap(next);
            index = null;
            directory = null; // held by the generation now
            update.complete("serving " + name(target) + ": " + metadata.totals().docs() + " documents in "
                    + metadata.totals().partitions() + " partitions");
            LOG.info("now serving " + name(target) + " (index " + metadata.indexId() + ")");
        } catch (RuntimeException | IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            Duration wait = retries.ceiling(update.attempt());
            update.fail(message, config.clock().instant().plus(wait));
            String text = "update to " + name(target) + " failed (attempt " + update.attempt() + "; next in " + wait.toSeconds()
                    + " s unless the alias moves), still serving " + serving().map(ServedGeneration.Identity::name).orElse("nothing") + ": "
                    + message;
            LOG.log(message.equals(lastError) ? Level.FINE : Level.WARNING, text);
            if (index != null) {
                index.close();
            }
        } finally {
            if (directory != null) {
                // A failed update's verified files stay for the retry; a swapped-in generation holds its own.
                letGo(directory);
            }
            synchronized (this) {
                running = null;
            }
            ServerMetrics serverMetrics = metrics;
            if (serverMetrics != null) {
                serverMetrics.update(update.status(), update.elapsedMillis());
            }
        }
    }

    /** The fetch checked every byte as it arrived; this checks what is on disk now, by size and footer, before it is opened. */
    private static void verifyCached(IndexMetadata metadata, List<Path> partitions, Update update) throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stage stage = update.progress().stage("verifying", "files", metadata.totals().files(), metadata.totals().bytes())) {
            for (int i = 0; i < metadata.partitions().size(); i++) {
                IndexMetadata.CommittedPartition partition = metadata.partitions().get(i);
                for (FileEntry file : partition.files()) {
                    Path local = partitions.get(i).resolve(file.name());
                    if (!LuceneFiles.footerMatches(local, file)) {
                        problems.add(local + " does not match its metadata (size " + file.size() + ", checksum "
                                + LuceneFiles.hex(file.checksum()) + ")");
                    }
                    stage.add(1, file.size());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new CorruptIndexException("the cached copy of index " + metadata.indexId() + " changed after it was verified", problems);
        }
    }

    private void warm(CommittedIndex index, Update update) {
        List<String> queries = new ArrayList<>(recentQueries);
        queries.add("*:*");
        try (Stage stage = update.progress().stage("warming", "queries", queries.size(), -1)) {
            for (String query : queries) {
                try {
                    index.search(query, 10);
                } catch (QuerySyntaxException e) {
                    // A query the old generation answered may not parse with a new spec; warming goes on.
                }
                stage.add(1, 0);
            }
        }
    }

    private synchronized void swap(ServedGeneration next) {
        open.add(next); // the update's hold on its cache directory passes to the generation
        ServedGeneration old = current.getAndSet(next);
        if (old != null) {
            old.release(); // closed now, or when its last query finishes
        }
    }

    /** Counts a holder of a cache directory: an open generation, or an update fetching into it. */
    private synchronized void hold(Path directory) {
        holders.merge(directory, 1, Integer::sum);
    }

    /** @return whether nothing holds {@code directory} any more */
    private synchronized boolean letGo(Path directory) {
        Integer left = holders.merge(directory, -1, Integer::sum);
        if (left != null && left <= 0) {
            holders.remove(directory);
            return true;
        }
        return false;
    }

    /**
     * Called when a generation's last reference is released: its readers are closed; its files go
     * unless another generation, or an update fetching the same index again, holds them.
     */
    private void closed(ServedGeneration generation) {
        boolean remove;
        synchronized (this) {
            open.remove(generation);
            remove = letGo(generation.cacheDirectory()) && !stopping;
        }
        if (remove) {
            ServedGeneration.removeFiles(generation.cacheDirectory());
        }
        LOG.info("closed " + generation.identity().name() + (remove ? " and removed its cache files" : ""));
    }

    /** Generations with no commit yet, with their staged and missing partitions (committed ones are remembered, not read again). */
    private List<CollectionStatus.Building> buildingGenerations() {
        IndexCollection indexCollection = new IndexCollection(store);
        List<CollectionStatus.Building> result = new ArrayList<>();
        for (String generation : indexCollection.generations()) {
            if (committedGenerations.contains(generation)) {
                continue;
            }
            ObjectStore root = indexCollection.generation(generation);
            try {
                root.head(IndexLayout.METADATA);
                committedGenerations.add(generation);
            } catch (ObjectNotFoundException e) {
                result.add(CollectionStatus.building(generation, root));
            }
        }
        return List.copyOf(result);
    }

    /** Stops polling and updating, and releases the served generation (closed once the last query ends). */
    @Override
    public void close() {
        stopping = true;
        poller.shutdownNow();
        updater.shutdownNow();
        try {
            updater.awaitTermination(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ServedGeneration served = current.getAndSet(null);
        if (served != null) {
            served.release();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
