package dev.ftindex.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.build.Worker;
import dev.ftindex.build.WorkerConfig;
import dev.ftindex.build.WorkerResult;
import dev.ftindex.cli.Options.Option;
import dev.ftindex.finalize.FinalizeResult;
import dev.ftindex.finalize.Finalizer;
import dev.ftindex.finalize.FinalizerConfig;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.IndexCache;
import dev.ftindex.search.SearchResult;
import dev.ftindex.storage.ObjectStore;
import dev.ftindex.storage.Tasks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;

/** {@code ftindex build}: every worker and the finalizer, on this machine. */
final class BuildCommand implements Command {
    private final Options options = new Options("build", "--index URI [--input URI...] [--workers W] [--search QUERY] [options]",
            """
            Builds a whole index on this machine: W workers in parallel (each stages one partition, exactly as
            `build-partition` would), then the finalizer, into any index root (a local directory by default).
            Without --input it indexes the bundled sample (3,241 documents: the chapters of the King James
            Bible and WordNet noun definitions) with its spec. With --search, the committed index is then
            searched and the hits are part of the result.
            """,
            """
              ftindex build --index ./demo-index --search "light darkness"
              ftindex build --index ./idx --input docs.jsonl --spec spec.json --workers 4
              ftindex build --index s3://bucket/idx --input s3://bucket/docs/ --workers 8 --endpoint http://minio:9000
            """)
            .group("Build", List.of(
                    Option.value("input", "URI", "input JSON Lines (plain, gzip or zstd, recognised by content) files, directories, globs or s3:// URIs"
                            + " (default: the bundled sample)").many(),
                    Option.value("workers", "W", "partitions built in parallel (default: min(4, processors))"),
                    Option.value("threads", "N", "indexing threads per worker (default: processors / W, at least 1)"),
                    Option.value("search", "QUERY", "search the committed index and include the hits in the result"),
                    Option.value("k", "N", "hits for --search (default 10)"),
                    Option.value("cache-dir", "DIR", "the search cache (default $FTINDEX_CACHE, else ~/.cache/ftindex)")))
            .group("Indexing", WorkerOptions.INDEXING)
            .group("Index root and S3", StoreOptions.OPTIONS)
            .group("Output", Cli.OUTPUT_OPTIONS);

    @Override
    public String name() {
        return "build";
    }

    @Override
    public String summary() {
        return "build a whole index on this machine: W workers, then finalize (default: the bundled sample)";
    }

    @Override
    public Options options() {
        return options;
    }

    @Override
    public Outcome run(Options.Parsed args, Context context) throws Exception {
        long start = System.nanoTime();
        int processors = Runtime.getRuntime().availableProcessors();
        int workers = args.integer("workers", Math.min(4, processors));
        if (workers < 1) {
            throw new UsageException("--workers must be positive");
        }
        int threads = args.integer("threads", Math.max(1, processors / workers));
        List<String> inputs = args.values("input");
        try (Sample sample = inputs.isEmpty() ? Sample.unpack() : null;
             StoreOptions stores = new StoreOptions(args, context.environment())) {
            IndexSpec spec = args.optional("spec").isPresent() || sample == null ? WorkerOptions.spec(args) : IndexSpec.read(sample.spec());
            List<String> sources = sample == null ? inputs : List.of(sample.docs().toString());
            if (sample != null) {
                context.console().info("indexing the bundled sample (King James Bible chapters and WordNet nouns)");
            }
            ObjectStore index = stores.open(StoreOptions.location(args.required("index")));
            List<WorkerResult> staged = runWorkers(args, context, index, stores, spec, sources, workers, threads);
            FinalizeResult committed = new Finalizer(index, FinalizerConfig.defaults().withExpectedPartitions(workers),
                    context.console().progress()).run();
            double seconds = (System.nanoTime() - start) / 1e9;
            context.console().info(String.format(Locale.ROOT, "%s index %s: %d partitions, %,d documents, %s in %.1f s (%,.0f docs/s)",
                    committed.status(), committed.indexId(), committed.partitions(), committed.docs(), Console.size(committed.bytes()),
                    seconds, committed.docs() / seconds));
            ObjectNode result = Results.of(name(), index.location(), new Summary(committed.status(), committed.indexId(), committed.partitions(),
                    committed.docs(), committed.bytes(), workers, threads, seconds, committed.docs() / seconds));
            result.set("workers", Json.MAPPER.valueToTree(staged));
            result.set("finalize", Json.MAPPER.valueToTree(committed));
            Optional<String> query = args.optional("search");
            if (query.isPresent()) {
                Path cache = args.optional("cache-dir").map(Path::of).orElseGet(IndexCache::defaultRoot);
                try (CommittedIndex searchable = CommittedIndex.open(index, cache, 8, context.console().progress())) {
                    SearchResult hits = searchable.search(query.get(), args.integer("k", 10));
                    result.set("search", Json.MAPPER.valueToTree(hits));
                }
            }
            return Outcome.json(result);
        }
    }

    record Summary(String status, String indexId, int partitions, long docs, long bytes, int workerCount, int threadsPerWorker,
                   double seconds, double docsPerSecond) {}

    private static List<WorkerResult> runWorkers(Options.Parsed args, Context context, ObjectStore index, StoreOptions stores,
                                                 IndexSpec spec, List<String> inputs, int workers, int threads) {
        ExecutorService pool = Tasks.pool(workers, "worker");
        try {
            List<Callable<WorkerResult>> runs = new ArrayList<>();
            for (int partition = 0; partition < workers; partition++) {
                WorkerConfig config;
                try {
                    config = WorkerOptions.config(args, WorkerConfig.builder(spec, inputs, partition)
                            .partitions(Optional.of(workers)).threads(threads), Math.max(32.0, 256.0 / workers));
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
                runs.add(() -> new Worker(index, config, stores.inputStores(), context.console().progress()).run());
            }
            return Tasks.runAll(pool, runs);
        } finally {
            pool.shutdownNow();
        }
    }
}
