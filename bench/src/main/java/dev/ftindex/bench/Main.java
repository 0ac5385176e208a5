package dev.ftindex.bench;

import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs every benchmark on one corpus and prints a table of figures and side-by-side ratios
 * (medians of --runs runs). See docs/benchmarks.md.
 */
public final class Main {
    static final String USAGE = """
            Usage: bench/run [options]

              --corpus FILE          a JSONL corpus ({"id", "title", "contents", ...} per line), e.g. from ../shared/corpus
              --generate-mb N        generate a corpus of N MB instead (default 256)
              --runs N               runs of each measurement; medians are reported (default 3)
              --threads N            indexing threads of one worker (default: processors)
              --ram-buffer-mb N      Lucene RAM buffer (default 256)
              --workers LIST         worker counts for the build benchmark (default 1,2)
              --partitions N         partitions for the finalizer and search benchmarks (default 2)
              --scale LIST           partition counts for the scale benchmark (default 1,10,100,1000)
              --scale-store STORE    where the scale benchmark stages: s3 (S3Proxy, default) or memory
              --scale-ids N          ids in each partition's id list in the scale benchmark (default 10000)
              --memory-base-mb N     the 1x input of the memory benchmark (default: a quarter of the corpus)
              --jvm-options "..."    JVM options of the worker process in the memory benchmark (default: the launcher's,
                                     -Xmx of the RAM buffer + 320 MB)
              --serve-clients LIST   concurrent HTTP clients of the serve benchmark (default 1,4,16)
              --serve-window-s N     seconds of each steady and each swapping window (default 10)
              --cost-workers N       workers of `ftindex build` in the cost and growth benchmarks (default 2)
              --growth-mb LIST       corpus sizes of the growth benchmark, generated (default: the corpus's size and 4 times it)
              --only LIST            run only some of: worker,build,cost,growth,finalize,search,queries,lazy,memory,scale,parquet,serve,routed,spark,vector,checkpoint,compact,append,update
              --checkpoint-parts L   of the checkpoint benchmark: cost,resume (default both)
              --work DIR             scratch space (default: a new directory under the system temp directory)
              --out FILE             also write the results as JSON
            """;

    private Main() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        if (options.containsKey("help")) {
            System.out.print(USAGE);
            return;
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Report report = run(options, out, System.err);
        report.print(out);
        if (options.containsKey("out")) {
            Files.write(Path.of(options.get("out")), Json.write(report.json()));
        }
    }

    static Report run(Map<String, String> options, PrintStream out, PrintStream log) throws Exception {
        Path work = options.containsKey("work") ? Path.of(options.get("work")) : Files.createTempDirectory("ftindex-bench-");
        Files.createDirectories(work);
        int runs = Integer.parseInt(options.getOrDefault("runs", "3"));
        int processors = Runtime.getRuntime().availableProcessors();
        int threads = Integer.parseInt(options.getOrDefault("threads", String.valueOf(processors)));
        double ramBufferMb = Double.parseDouble(options.getOrDefault("ram-buffer-mb", "256"));
        Set<String> only = Set.of(options.getOrDefault("only", "worker,build,cost,growth,finalize,search,queries,lazy,memory,scale,parquet,serve,routed,spark,vector,checkpoint,compact,append,update").split(","));
        Path jar = Path.of(System.getProperty("ftindex.jar", "cli/target/ftindex.jar")).toAbsolutePath().normalize();

        Corpus corpus;
        if (options.containsKey("corpus")) {
            corpus = Corpus.of(Path.of(options.get("corpus")));
        } else {
            double megabytes = Double.parseDouble(options.getOrDefault("generate-mb", "256"));
            log.printf("bench: generating a %.0f MB corpus...%n", megabytes);
            corpus = Corpus.generate(work.resolve("generated.jsonl"), (long) (megabytes * 1e6), 2026);
        }
        IndexSpec spec = IndexSpec.parse("""
                {"idField": "id",
                 "fields": {"title": {"type": "text", "stored": true, "analyzer": "english"},
                            "contents": {"type": "text", "analyzer": "english"},
                            "year": {"type": "long", "stored": true},
                            "tags": {"type": "keyword", "stored": true}},
                 "defaultSearchFields": ["title", "contents"]}
                """.getBytes(StandardCharsets.UTF_8), "bench spec");
        out.printf(Locale.ROOT, "ftindex benchmarks: corpus %s (%,d documents, %.1f MB%s); %d processors, %d threads, %.0f MB RAM buffer, %d runs, Java %s%n%n",
                corpus.file(), corpus.docs(), corpus.bytes() / 1e6, corpus.generated() ? ", generated" : "", processors, threads, ramBufferMb, runs,
                System.getProperty("java.version"));

        Report report = new Report();
        try (S3ProxyServer s3 = S3ProxyServer.onDisk(Files.createDirectories(work.resolve("s3")))) {
            BenchContext context = new BenchContext(corpus, spec, work, runs, threads, ramBufferMb, s3, jar, log);
            Path single = null;
            if (only.contains("worker")) {
                single = WorkerBenchmark.run(context, report);
            }
            if (only.contains("build")) {
                DistributedBenchmark.run(context, report, integers(options.getOrDefault("workers", "1,2")));
            }
            if (only.contains("cost")) {
                CostBenchmark.run(context, report, Integer.parseInt(options.getOrDefault("cost-workers", "2")));
            }
            if (only.contains("growth")) {
                long corpusMb = Math.max(1, corpus.bytes() / 1_000_000L);
                List<Long> sizes = options.containsKey("growth-mb")
                        ? integers(options.get("growth-mb")).stream().map(Integer::longValue).toList()
                        : List.of(corpusMb, 4 * corpusMb);
                GrowthBenchmark.run(context, report, sizes, Integer.parseInt(options.getOrDefault("cost-workers", "2")));
            }
            FinalizerBenchmark.Committed committed = null;
            int partitions = Integer.parseInt(options.getOrDefault("partitions", "2"));
            if (only.contains("finalize") || only.contains("search") || only.contains("lazy")) {
                committed = FinalizerBenchmark.run(context, report, partitions);
            }
            if (only.contains("search")) {
                if (single == null) {
                    single = context.scratch("single-index");
                    LuceneBaseline.index(corpus.file(), spec, threads, ramBufferMb, 1, single);
                }
                SearchBenchmark.run(context, report, committed, single, threads);
                if (threads > 1) {
                    // Parallel search over slices costs more than it gains on busy cores; the sequential figure shows how much.
                    SearchBenchmark.run(context, report, committed, single, 1);
                }
            }
            if (only.contains("queries")) {
                QueriesBenchmark.run(context, report, partitions);
            }
            if (only.contains("lazy")) {
                LazyBenchmark.run(context, report, committed, threads);
            }
            if (only.contains("memory")) {
                long base = options.containsKey("memory-base-mb")
                        ? (long) (Double.parseDouble(options.get("memory-base-mb")) * 1e6)
                        : corpus.bytes() / 4;
                List<String> jvm = options.containsKey("jvm-options")
                        ? Arrays.asList(options.get("jvm-options").trim().split("\\s+"))
                        : ChildJvm.launcherOptions(ramBufferMb);
                MemoryBenchmark.run(context, report, base, jvm);
            }
            if (only.contains("parquet")) {
                ParquetBenchmark.run(context, report);
            }
            if (only.contains("serve")) {
                ServeBenchmark.run(context, report, integers(options.getOrDefault("serve-clients", "1,4,16")),
                        java.time.Duration.ofSeconds(Long.parseLong(options.getOrDefault("serve-window-s", "10"))));
            }
            if (only.contains("routed")) {
                RoutedBenchmark.run(context, report, integers(options.getOrDefault("serve-clients", "1,4,16")),
                        java.time.Duration.ofSeconds(Long.parseLong(options.getOrDefault("serve-window-s", "10"))));
            }
            if (only.contains("spark")) {
                // The repository: cli/target/ftindex.jar is two levels below it.
                SparkBenchmark.run(context, report, jar.getParent().getParent().getParent());
            }
            if (only.contains("checkpoint")) {
                CheckpointBenchmark.run(context, report, Set.of(options.getOrDefault("checkpoint-parts", "cost,resume").split(",")));
            }
            if (only.contains("compact")) {
                CompactBenchmark.run(context, report);
            }
            if (only.contains("append")) {
                AppendBenchmark.run(context, report);
            }
            if (only.contains("update")) {
                UpdateBenchmark.run(context, report);
            }
            if (only.contains("vector")) {
                VectorModuleBenchmark.run(context, report);
            }
            if (only.contains("scale")) {
                ScaleBenchmark.run(context, report, integers(options.getOrDefault("scale", "1,10,100,1000")),
                        ScaleBenchmark.Store.parse(options.getOrDefault("scale-store", "s3")),
                        Integer.parseInt(options.getOrDefault("scale-ids", "10000")));
            }
        }
        if (!options.containsKey("work")) {
            BenchContext.delete(work);
        }
        return report;
    }

    private static List<Integer> integers(String list) {
        List<Integer> values = new ArrayList<>();
        for (String value : list.split(",")) {
            values.add(Integer.parseInt(value.strip()));
        }
        return values;
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i] + "\n" + USAGE);
            }
            String name = args[i].substring(2);
            if (name.equals("help")) {
                options.put(name, "true");
            } else if (i + 1 < args.length) {
                options.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value\n" + USAGE);
            }
        }
        return options;
    }
}
