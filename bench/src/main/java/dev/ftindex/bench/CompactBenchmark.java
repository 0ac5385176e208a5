package dev.ftindex.bench;

import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.worker.CompactionConfig;
import dev.ftindex.worker.Compactor;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * 14. Compaction (issue 26): the corpus built into 8 partitions on S3Proxy, then compacted into
 * 2 ({@link Compactor}, one group at a time, then the finalizer). The 200 search-benchmark
 * queries on both: how many give the same ids and scores (bit for bit), and their latency, each
 * query timed on both indexes back to back, the order alternating.
 */
final class CompactBenchmark {
    private static final int BASE_PARTITIONS = 8;
    private static final int COMPACTED_PARTITIONS = 2;
    private static final int K = 10;

    private CompactBenchmark() {}

    static void run(BenchContext c, Report report) throws Exception {
        String bucket = c.s3().newBucket();
        try (ObjectStore base = store(c, bucket, "eight/"); ObjectStore compacted = store(c, bucket, "two/")) {
            long start = System.nanoTime();
            for (int p = 0; p < BASE_PARTITIONS; p++) {
                WorkerConfig config = WorkerConfig.builder(c.spec(), List.of(c.corpus().file().toString()), p)
                        .partitions(Optional.of(BASE_PARTITIONS)).threads(c.threads()).ramBufferMb(c.ramBufferMb())
                        .workDirectory(Optional.of(c.scratch("compact-work"))).build();
                new Worker(base, config, location -> {
                    throw new IllegalArgumentException("not a local input: " + location.uri());
                }, Progress.silent()).run();
            }
            new Finalizer(base, FinalizerConfig.defaults().withExpectedPartitions(BASE_PARTITIONS), Progress.silent()).run();
            double buildSeconds = (System.nanoTime() - start) / 1e9;

            start = System.nanoTime();
            for (int g = 0; g < COMPACTED_PARTITIONS; g++) {
                new Compactor(compacted, base, new CompactionConfig(g, COMPACTED_PARTITIONS, 1, Optional.of(c.scratch("compact-work")), 8),
                        Progress.silent()).run();
            }
            new Finalizer(compacted, FinalizerConfig.defaults().withExpectedPartitions(COMPACTED_PARTITIONS), Progress.silent()).run();
            double compactSeconds = (System.nanoTime() - start) / 1e9;
            c.say("compact: built %d partitions in %.1f s, compacted into %d in %.1f s", BASE_PARTITIONS, buildSeconds,
                    COMPACTED_PARTITIONS, compactSeconds);
            report.add(new Report.Row("compact", String.format(Locale.ROOT, "seconds to compact %d partitions into %d vs building the %d",
                    BASE_PARTITIONS, COMPACTED_PARTITIONS, BASE_PARTITIONS), compactSeconds, buildSeconds, "s", "(reported)", null,
                    "one worker at a time, S3Proxy in this JVM; compaction downloads, adds, force-merges, verifies and stages"));

            List<String> queries = SearchBenchmark.queries(c.spec());
            try (CommittedIndex eight = CommittedIndex.open(base, c.scratch("compact-cache-8"), c.threads(), Progress.silent());
                 CommittedIndex two = CommittedIndex.open(compacted, c.scratch("compact-cache-2"), c.threads(), Progress.silent())) {
                int identical = 0;
                for (String query : queries) {
                    if (SearchBenchmark.hits(two.search(query, K)).equals(SearchBenchmark.hits(eight.search(query, K)))) {
                        identical++;
                    }
                }
                for (int warm = 0; warm < 10; warm++) {
                    for (String query : queries) {
                        eight.search(query, K);
                        two.search(query, K);
                    }
                }
                List<Double> ofTwo = new ArrayList<>();
                List<Double> ofEight = new ArrayList<>();
                for (int pass = 0; pass < Math.max(3, c.runs()) * 2; pass++) {
                    for (String query : queries) {
                        boolean twoFirst = (pass + query.length()) % 2 == 0;
                        if (!twoFirst) {
                            ofEight.add(SearchBenchmark.time(() -> eight.search(query, K)));
                        }
                        ofTwo.add(SearchBenchmark.time(() -> two.search(query, K)));
                        if (twoFirst) {
                            ofEight.add(SearchBenchmark.time(() -> eight.search(query, K)));
                        }
                    }
                }
                report.add(new Report.Row("compact", "queries with identical ids and scores, " + COMPACTED_PARTITIONS + " vs "
                        + BASE_PARTITIONS + " partitions", identical, queries.size(), "queries", "all", identical == queries.size(), ""));
                report.add(new Report.Row("compact", "search p50, " + COMPACTED_PARTITIONS + " partitions vs " + BASE_PARTITIONS,
                        Stats.median(ofTwo), Stats.median(ofEight), "ms", "(reported)", null, String.format(Locale.ROOT,
                                "%d search threads; %d passes of %d queries, k=%d; p99 %.3f vs %.3f ms", c.threads(), ofTwo.size() / queries.size(),
                                queries.size(), K, Stats.percentile(ofTwo, 99), Stats.percentile(ofEight, 99))));
            }
            BenchContext.empty(base);
            BenchContext.empty(compacted);
        }
    }

    private static ObjectStore store(BenchContext c, String bucket, String prefix) {
        return ObjectStores.open(new StoreLocation.S3(bucket, prefix), c.s3().settings().build(), Map.of());
    }
}
