package dev.ftindex.search;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.BadInputException;
import dev.ftindex.format.Json;
import dev.ftindex.format.WireEnum;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.Tasks;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;

/**
 * Many queries in one process: a topics file in, a run file out, as Anserini reads and writes
 * them. Topics are {@code id<TAB>query} lines; the run is TREC's {@code qid Q0 docid rank score
 * tag} (hits in the order {@code search} gives them: score, then id) or one JSON result per line.
 * Every query is parsed before the first is run, so a bad line fails the run before any work,
 * naming the line; the run file is written to a temporary file and renamed into place whole.
 */
public final class BatchSearch {
    private BatchSearch() {}

    public enum Format implements WireEnum {
        TREC, JSONL;

        public static Format parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "trec" -> TREC;
                case "jsonl", "json" -> JSONL;
                default -> throw new IllegalArgumentException("--format must be trec or jsonl, not '" + text + "'");
            };
        }
    }

    /** One query of the topics file, and the line it came from. */
    public record Topic(String id, String query, int line) {}

    /**
     * @param hits the hits written, over all queries
     * @param queriesPerSecond queries over the seconds the searches took (reading and parsing excluded)
     */
    public record Summary(int queries, long hits, String output, Format format, int k, double seconds, double queriesPerSecond) {}

    /** Reads {@code id<TAB>query} lines; blank lines and lines starting with {@code #} are skipped. */
    public static List<Topic> readTopics(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new BadInputException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the topics file " + file + ": " + e.getMessage(), e);
        }
        List<Topic> topics = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int number = i + 1;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab <= 0) {
                problems.add(file.getFileName() + ":" + number + ": expected 'id<TAB>query'" + (tab == 0 ? " (the id is empty)" : ""));
                continue;
            }
            String id = line.substring(0, tab).strip();
            String query = line.substring(tab + 1).strip();
            if (id.chars().anyMatch(Character::isWhitespace)) {
                problems.add(file.getFileName() + ":" + number + ": the query id '" + id + "' contains whitespace");
            } else if (query.isEmpty()) {
                problems.add(file.getFileName() + ":" + number + ": query " + id + " is empty");
            } else if (seen.containsKey(id)) {
                problems.add(file.getFileName() + ":" + number + ": query id " + id + " was already used on line " + seen.get(id));
            } else {
                seen.put(id, number);
                topics.add(new Topic(id, query, number));
            }
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems.size() + " bad line(s) in " + file + ": " + String.join("; ", problems.subList(0,
                    Math.min(10, problems.size()))));
        }
        if (topics.isEmpty()) {
            throw new BadInputException(file + " has no queries (expected 'id<TAB>query' lines)");
        }
        return topics;
    }

    /** Runs every topic against {@code index} with {@code threads} searches at once and writes the run to {@code output}. */
    public static Summary run(CommittedIndex index, List<Topic> topics, int k, Format format, String tag, Path output, int threads,
            Progress progress) {
        if (tag.chars().anyMatch(Character::isWhitespace) || tag.isEmpty()) {
            throw new IllegalArgumentException("the run tag must be one word: '" + tag + "'");
        }
        List<String> problems = new ArrayList<>();
        for (Topic topic : topics) {
            try {
                index.parse(topic.query());
            } catch (QuerySyntaxException e) {
                problems.add("line " + topic.line() + " (query " + topic.id() + "): " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new BadInputException(problems.size() + " query(ies) do not parse: " + String.join("; ",
                    problems.subList(0, Math.min(10, problems.size()))));
        }
        Path absolute = output.toAbsolutePath();
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        long hits = 0;
        long searchNanos = 0;
        int window = Math.max(1, threads) * 8;
        ExecutorService pool = Tasks.pool(Math.max(1, threads), "batch-search");
        try (Stage stage = progress.stage("searching", Unit.QUERIES, topics.size(), -1);
             BufferedWriter out = Files.newBufferedWriter(temp, UTF_8)) {
            for (int start = 0; start < topics.size(); start += window) {
                List<Topic> slice = topics.subList(start, Math.min(topics.size(), start + window));
                List<Callable<SearchResult>> searches = new ArrayList<>();
                for (Topic topic : slice) {
                    searches.add(() -> index.search(topic.query(), k, format == Format.JSONL));
                }
                long begin = System.nanoTime();
                List<SearchResult> results = Tasks.runAll(pool, searches);
                searchNanos += System.nanoTime() - begin;
                for (int i = 0; i < slice.size(); i++) {
                    hits += write(out, slice.get(i), results.get(i), format, tag);
                }
                stage.add(slice.size(), 0);
            }
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException("cannot write the run file " + temp + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        } finally {
            pool.shutdownNow();
        }
        try {
            Files.move(temp, absolute, ATOMIC_MOVE, REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException("cannot move the run file into place at " + absolute + ": " + e.getMessage(), e);
        }
        double seconds = searchNanos / 1e9;
        return new Summary(topics.size(), hits, absolute.toString(), format, k, seconds, seconds > 0 ? topics.size() / seconds : 0);
    }

    private static int write(Writer out, Topic topic, SearchResult result, Format format, String tag) throws IOException {
        if (format == Format.JSONL) {
            ObjectNode line = Json.COMPACT.createObjectNode();
            line.put("qid", topic.id());
            line.setAll((ObjectNode) Json.COMPACT.valueToTree(result));
            out.write(Json.COMPACT.writeValueAsString(line));
            out.write('\n');
            return result.hits().size();
        }
        int rank = 1;
        for (SearchResult.Hit hit : result.hits()) {
            if (hit.id().chars().anyMatch(Character::isWhitespace)) {
                throw new BadInputException("document id '" + hit.id() + "' (a hit of query " + topic.id()
                        + ") contains whitespace, which the TREC run format cannot hold: use --format jsonl");
            }
            out.write(topic.id());
            out.write(" Q0 ");
            out.write(hit.id());
            out.write(' ');
            out.write(Integer.toString(rank++));
            out.write(' ');
            out.write(String.format(Locale.ROOT, "%.6f", hit.score()));
            out.write(' ');
            out.write(tag);
            out.write('\n');
        }
        return result.hits().size();
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the temporary file is named after the output: a leftover is recognisable and harmless
        }
    }
}
