package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FormatException;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.WireEnum;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Tasks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.stream.Stream;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.store.FSDirectory;

/**
 * Checks a committed index in full: every committed file is read whole and its CRC32 compared
 * with its footer and with the metadata; with {@code deep}, each partition is then fetched and
 * run through Lucene's {@link CheckIndex}. Every bad file is reported, not only the first.
 */
public final class IndexVerifier {
    private final ObjectStore store;
    private final int concurrency;
    private final Progress progress;

    public IndexVerifier(ObjectStore store, int concurrency, Progress progress) {
        this.store = requireNonNull(store, "store is null");
        this.concurrency = concurrency;
        this.progress = requireNonNull(progress, "progress is null");
    }

    /**
     * @param index what was checked (flattened into the JSON: {@code indexId}, {@code partitions}, ...)
     * @param problems one line per bad file (or partition, for CheckIndex findings)
     */
    public record Result(Status status, @com.fasterxml.jackson.annotation.JsonUnwrapped Checked index, boolean deep,
                         List<String> problems, double seconds) {
        /** {@code ok}: every file is sound; {@code corrupt}: see the problems. */
        public enum Status implements WireEnum {
            OK,
            CORRUPT;
        }

        public record Checked(String indexId, int partitions, int files, long bytes) {}

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** @param scratch where {@code deep} fetches partitions (removed afterwards) */
    public Result verify(boolean deep, Path scratch) {
        long start = System.nanoTime();
        IndexMetadata metadata = CommittedIndex.readMetadata(store);
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        try (Stage stage = progress.stage("verifying", Unit.FILES, metadata.totals().files(), metadata.totals().bytes())) {
            ExecutorService pool = Tasks.pool(concurrency, "verify");
            try {
                List<Callable<Void>> checks = new ArrayList<>();
                for (IndexMetadata.CommittedFile file : metadata.files()) {
                    checks.add(() -> {
                        check(file).ifPresent(problems::add);
                        stage.add(1, file.size());
                        return null;
                    });
                }
                Tasks.runAll(pool, checks);
            } finally {
                pool.shutdownNow();
            }
        }
        if (deep && problems.isEmpty()) {
            problems.addAll(checkIndex(metadata, scratch));
        }
        List<String> sorted = new ArrayList<>(problems);
        Collections.sort(sorted);
        return new Result(sorted.isEmpty() ? Result.Status.OK : Result.Status.CORRUPT, new Result.Checked(metadata.indexId(),
                metadata.totals().partitions(), metadata.totals().files(), metadata.totals().bytes()), deep, sorted,
                (System.nanoTime() - start) / 1e9);
    }

    private java.util.Optional<String> check(IndexMetadata.CommittedFile file) {
        try (ObjectStream stream = store.get(file.key())) {
            return LuceneFiles.verify(stream).differenceFrom(file.size(), file.checksum(), "the metadata")
                    .map(problem -> store.location() + file.key() + ": " + problem);
        } catch (ObjectNotFoundException e) {
            return java.util.Optional.of(store.location() + file.key() + ": missing");
        } catch (FormatException e) {
            return java.util.Optional.of(store.location() + file.key() + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + store.location() + file.key() + " failed: " + e.getMessage(), e);
        }
    }

    private List<String> checkIndex(IndexMetadata metadata, Path scratch) {
        List<String> problems = new ArrayList<>();
        try {
            Files.createDirectories(scratch);
            Path cache = Files.createTempDirectory(scratch, "verify-");
            try {
                List<Path> partitions;
                try {
                    partitions = new IndexCache(cache, concurrency).fetch(store, metadata, progress);
                } catch (CorruptIndexException e) {
                    return e.problems();
                }
                try (var stage = progress.stage("checking", Unit.PARTITIONS, partitions.size(), -1)) {
                    for (int n = 0; n < partitions.size(); n++) {
                        ByteArrayOutputStream log = new ByteArrayOutputStream();
                        try (FSDirectory directory = FSDirectory.open(partitions.get(n));
                             CheckIndex checker = new CheckIndex(directory);
                             PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
                            checker.setInfoStream(out);
                            CheckIndex.Status status = checker.checkIndex();
                            if (!status.clean) {
                                problems.add(store.location() + "part_" + n + "/: Lucene CheckIndex found problems: "
                                        + lastLines(log.toString(StandardCharsets.UTF_8), 5));
                            }
                        }
                        stage.add(1, 0);
                    }
                }
            } finally {
                try (Stream<Path> files = Files.walk(cache)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("deep verification failed: " + e.getMessage(), e);
        }
        return problems;
    }

    private static String lastLines(String text, int count) {
        List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }
}
