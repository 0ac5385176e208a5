package dev.ftindex.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.finalizer.DuplicateIdsException;
import dev.ftindex.finalizer.FinalizeResult;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.AppendBase;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Tasks;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.IndexCache;
import dev.ftindex.search.SearchResult;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import dev.ftindex.worker.WorkerResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ftindex build}: every worker and the finalizer, on this machine. */
@Command(name = "build",
        header = "build a whole index on this machine: W workers, then finalize (default: the bundled sample)",
        customSynopsis = {"ftindex build --index URI [--input URI...] [--workers W] [--search QUERY] [options]",
            "       (a generation of a collection: --collection C --generation G instead of --index)"},
        description = {
            "Builds a whole index on this machine: W workers in parallel (each stages one partition, exactly as",
            "`build-partition` would), then the finalizer, into any index root (a local directory by default).",
            "Without --input it indexes the bundled sample (3,241 documents: the chapters of the King James",
            "Bible and WordNet noun definitions) with its spec. With --search, the committed index is then",
            "searched and the hits are part of the result."},
        footer = {
            "  ftindex build --index ./demo-index --search \"light darkness\"",
            "  ftindex build --index ./idx --input docs.jsonl --spec spec.json --workers 4",
            "  ftindex build --index s3://bucket/idx --input s3://bucket/docs/ --workers 8 --endpoint http://minio:9000"})
final class BuildCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nBuild:%n", order = 10)
    Group build = new Group();

    @Mixin
    IndexingOptions indexing;

    @Mixin
    AppendOptions append;

    @Mixin
    UpdateOptions update;

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--input", paramLabel = "URI", arity = "1..*", description = "input JSON Lines (plain, gzip or zstd, recognised"
                + " by content) files, directories, globs or s3:// URIs (default: the bundled sample)")
        List<String> inputs = new ArrayList<>();

        @Option(names = "--workers", paramLabel = "W", description = "partitions built in parallel (default: min(4, processors))")
        Integer workers;

        @Option(names = "--threads", paramLabel = "N", description = "indexing threads per worker (default: processors / W, at least 1)")
        Integer threads;

        @Option(names = "--search", paramLabel = "QUERY", description = "search the committed index and include the hits in the result")
        String search;

        @Option(names = "--k", paramLabel = "N", description = "hits for --search (default 10)")
        int k = 10;

        @Option(names = "--cache-dir", paramLabel = "DIR", description = "the search cache (default $FTINDEX_CACHE, else ~/.cache/ftindex)")
        Path cacheDir;
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    /** The build's own summary at the top of its result; the workers' and the finalizer's results follow it. */
    record Summary(FinalizeResult.Status status, @JsonUnwrapped FinalizeResult.Contents index, @JsonUnwrapped Parallelism parallelism,
                   @JsonUnwrapped Throughput throughput) {}

    record Parallelism(int workerCount, int threadsPerWorker, double ramBufferMbPerWorker) {}

    record Throughput(double seconds, double docsPerSecond) {}

    @Override
    public Outcome run(Context context) throws Exception {
        long start = System.nanoTime();
        int processors = Runtime.getRuntime().availableProcessors();
        int workers = build.workers == null ? Math.min(4, processors) : build.workers;
        if (workers < 1) {
            throw new UsageException("--workers must be positive");
        }
        int threads = build.threads == null ? Math.max(1, processors / workers) : build.threads;
        try (Sample sample = build.inputs.isEmpty() ? Sample.unpack() : null;
             Stores stores = store.open(context.environment())) {
            AppendOptions.Roots roots = append.open(stores, store);
            IndexSpec spec = roots.spec(indexing, indexing.specGiven() || sample == null ? indexing.spec() : IndexSpec.read(sample.spec()));
            List<String> sources = sample == null ? build.inputs : List.of(sample.docs().toString());
            if (sample != null) {
                context.console().info("indexing the bundled sample (King James Bible chapters and WordNet nouns)");
            }
            ObjectStore index = roots.index();
            context.console().root(index.location());
            roots.base().ifPresent(base -> context.console().info("appending to " + base.index().describe() + ": its "
                    + base.metadata().partitions().size() + " partitions are copied, the new input is indexed"));
            FinalizeResult committed;
            List<WorkerResult> staged;
            // The delete list is read first: a bad one fails the build before anything is indexed.
            try (UpdateOptions.Opened opened = update.open(roots.base().isPresent(), stores, context.console())) {
                staged = runWorkers(context, index, stores, spec, sources, workers, threads, roots.base());
                try {
                    committed = new Finalizer(index, roots.base(), opened.update(), FinalizerConfig.defaults().withExpectedPartitions(workers)
                            .withAllowDuplicateIds(indexing.allowDuplicateIds()), context.console().progress()).run();
                } catch (DuplicateIdsException e) {
                    throw withdrawStaging(index, e);
                }
            }
            UpdateOptions.tell(committed, context.console());
            double seconds = (System.nanoTime() - start) / 1e9;
            FinalizeResult.Contents contents = committed.index();
            context.console().info(String.format(Locale.ROOT, "%s index %s: %d partitions, %,d documents, %s in %.1f s (%,.0f docs/s)",
                    committed.status().json(), contents.indexId(), contents.partitions(), contents.docs(), Console.size(contents.bytes()),
                    seconds, contents.docs() / seconds));
            ObjectNode result = Results.of("build", index.location(), new Summary(committed.status(), contents,
                    new Parallelism(workers, threads, workerBuffer(workers)), new Throughput(seconds, contents.docs() / seconds)));
            result.set("workers", Json.MAPPER.valueToTree(staged));
            result.set("finalize", Json.MAPPER.valueToTree(committed));
            if (build.search != null) {
                Path cache = build.cacheDir != null ? build.cacheDir : IndexCache.defaultRoot();
                try (CommittedIndex searchable = CommittedIndex.open(index, cache, 8, context.console().progress())) {
                    SearchResult hits = searchable.search(build.search, build.k);
                    result.set("search", Json.MAPPER.valueToTree(hits));
                }
            }
            return Outcome.json(result);
        }
    }

    /**
     * A refused commit leaves nothing this build can use: its own staged partitions hold the
     * duplicates, and a rerun would find them staged and be refused again. Nothing was committed
     * and no plan frozen, and every manifest states the build's partition count, so no finalizer
     * can commit part of it while it goes (Iceberg's "commit failed: safe to clean up").
     */
    private static RuntimeException withdrawStaging(ObjectStore index, DuplicateIdsException refused) {
        try {
            List<String> staged = index.list(IndexLayout.STAGING).stream().map(ObjectInfo::key).toList();
            index.deleteAll(staged);
        } catch (RuntimeException cleanup) {
            refused.addSuppressed(cleanup);
            return refused;
        }
        return refused.stagingRemoved(index.location());
    }

    private static final double MIN_WORKER_BUFFER_MB = 16;

    private double workerBuffer(int workers) {
        return Math.max(MIN_WORKER_BUFFER_MB, indexing.ramBufferMb() / workers);
    }

    private List<WorkerResult> runWorkers(Context context, ObjectStore index, Stores stores, IndexSpec spec, List<String> inputs,
                                          int workers, int threads, Optional<AppendBase> base) {
        List<Callable<WorkerResult>> runs = new ArrayList<>();
        // --ram-buffer-mb is the process's: the launcher sizes the heap for one buffer, so the
        // workers that share this JVM share it.
        double share = workerBuffer(workers);
        for (int partition = 0; partition < workers; partition++) {
            WorkerConfig config = indexing.config(WorkerConfig.builder(spec, inputs, partition)
                    .partitions(Optional.of(workers)).threads(threads).base(base.map(AppendBase::index))
                    .warnsOfRepeatedInputs(partition == 0), share);
            runs.add(() -> new Worker(index, config, stores.inputStores(), context.console().progress()).run());
        }
        ExecutorService pool = Tasks.pool(workers, "worker");
        try {
            return Tasks.runAll(pool, runs);
        } finally {
            pool.shutdownNow();
        }
    }
}
