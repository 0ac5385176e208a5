package dev.ftindex.bench;

import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import dev.ftindex.worker.WorkerResult;
import dev.ftindex.worker.testing.ParquetFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Parquet input against JSON Lines: the same documents (the corpus converted by DuckDB, zstd,
 * its default row groups), one worker each, runs paired; and the bytes a worker reads from S3
 * (S3Proxy on loopback) when the spec maps one column of the file.
 */
final class ParquetBenchmark {
    private ParquetBenchmark() {}

    static void run(BenchContext c, Report report) throws Exception {
        Path parquet = c.work().resolve("corpus.parquet");
        long convert = System.nanoTime();
        ParquetFiles.fromJsonLinesFile(parquet, c.corpus().file(), 122_880, "zstd");
        c.say("converted the corpus to Parquet: %.1f MB in %.1f s", Files.size(parquet) / 1e6, (System.nanoTime() - convert) / 1e9);
        // A Parquet file must have every column the spec maps; JSON Lines may lack any. Both sides
        // get the spec's fields that the corpus has.
        IndexSpec spec = present(c.spec(), parquet);
        List<Double> fromJson = new ArrayList<>();
        List<Double> fromParquet = new ArrayList<>();
        for (int run = 0; run <= c.runs(); run++) {
            double json = docsPerSecond(c, c.corpus().file(), spec);
            double columns = docsPerSecond(c, parquet, spec);
            if (run == 0) {
                continue; // warm-up of both readers
            }
            fromJson.add(json);
            fromParquet.add(columns);
            c.say("parquet run %d/%d: JSON Lines %,.0f docs/s, Parquet %,.0f docs/s", run, c.runs(), json, columns);
        }
        double ratio = Stats.median(Stats.ratios(fromParquet, fromJson));
        report.add(new Report.Row("parquet", "docs/s, Parquet vs the same JSON Lines", Stats.median(fromParquet), Stats.median(fromJson),
                ratio, "docs/s", "ratio >= 1.0", ratio >= 1.0, String.format("one worker, %d threads; zstd, row groups of 122,880 rows;"
                        + " median of %d paired runs", c.threads(), fromParquet.size())));

        String bucket = c.s3().newBucket();
        try (ObjectStore docs = c.s3Bucket(bucket)) {
            docs.put("corpus.parquet", Payload.of(parquet));
        }
        IndexSpec titleOnly = IndexSpec.parse(("{\"idField\": \"id\", \"fields\": {\"title\": {\"type\": \"text\"}}}")
                .getBytes(StandardCharsets.UTF_8), "title only");
        try (ObjectStore index = c.newS3Index(); ObjectStore input = c.s3Bucket(bucket)) {
            WorkerResult result = new Worker(index, WorkerConfig.builder(titleOnly, List.of("s3://" + bucket + "/corpus.parquet"), 0)
                    .threads(c.threads()).ramBufferMb(c.ramBufferMb()).workDirectory(Optional.of(c.scratch("parquet-work"))).build(),
                    location -> input, Progress.silent()).run();
            long size = Files.size(parquet);
            report.add(new Report.Row("parquet", "bytes read from S3 for one projected column / file size", result.input().bytesRead(),
                    size, "bytes", "ratio < 0.5", result.input().bytesRead() < size / 2,
                    String.format("spec maps title (and the id) of id, title, contents, year, tags: %,d of %,d bytes", result.input().bytesRead(), size)));
            BenchContext.empty(index);
        }
    }

    private static IndexSpec present(IndexSpec spec, Path parquet) throws Exception {
        java.util.Set<String> columns = new java.util.HashSet<>();
        try (var reader = dev.hardwood.reader.ParquetFileReader.open(dev.hardwood.InputFile.of(parquet))) {
            reader.getFileSchema().getRootNode().children().forEach(child -> columns.add(child.name()));
        }
        java.util.Map<String, IndexSpec.FieldSpec> fields = new java.util.TreeMap<>(spec.fields());
        fields.keySet().retainAll(columns);
        List<String> search = spec.defaultSearchFields().stream().filter(columns::contains).toList();
        return new IndexSpec(spec.idField(), fields, spec.analyzers(), search, spec.similarity()).normalized();
    }

    private static double docsPerSecond(BenchContext c, Path input, IndexSpec spec) throws Exception {
        return c.worker(spec, input, "parquet-work").docsPerSecond();
    }
}
