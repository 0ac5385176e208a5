package dev.ftindex.format.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Generated JSONL documents for tests: ids {@code doc-<n>}, a title and contents drawn from a
 * Zipf-like vocabulary (so term statistics look like text), a year, a price (absent from every
 * tenth) and keyword tags.
 */
public final class TestDocuments {
    private static final String[] WORDS = (
            "the of and to in is for that with on as by this be are from at or it an was which can not "
            + "index search partition lucene storage object finalizer worker commit segment merge query "
            + "distributed system file data record document field term score shard bucket cluster node "
            + "retry crash network protocol latency throughput memory disk cache stream batch checksum "
            + "apple river mountain history music science garden winter language ocean forest machine").split(" ");

    private TestDocuments() {}

    /** The spec the generated documents are meant for. */
    public static IndexSpec spec() {
        return IndexSpec.parse(("""
                {"idField": "id",
                 "fields": {
                   "title": {"type": "text", "stored": true, "analyzer": "english"},
                   "contents": {"type": "text", "analyzer": "standard"},
                   "year": {"type": "long", "stored": true},
                   "price": {"type": "double", "stored": true},
                   "tags": {"type": "keyword", "stored": true}
                 },
                 "defaultSearchFields": ["title", "contents"]}
                """).getBytes(StandardCharsets.UTF_8), "test spec");
    }

    /** Documents {@code first .. first + count - 1}, one JSON object per line. */
    public static List<String> lines(int first, int count, long seed) {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>(count);
        for (int i = first; i < first + count; i++) {
            ObjectNode document = Json.MAPPER.createObjectNode();
            document.put("id", "doc-" + i);
            document.put("title", words(random, 2 + random.nextInt(6)));
            document.put("contents", words(random, 5 + random.nextInt(60)));
            document.put("year", 1950 + random.nextInt(75));
            // Not drawn from the random sequence, so the other fields stay as they were; every tenth has none.
            if (i % 10 != 3) {
                document.put("price", Math.floorMod(i * 7919L, 100_000) / 100.0);
            }
            var tags = document.putArray("tags");
            for (int t = 0; t < random.nextInt(3); t++) {
                tags.add(WORDS[random.nextInt(8)]);
            }
            lines.add(document.toString());
        }
        return lines;
    }

    /**
     * {@code count} queries over the documents' words and fields, of every kind: words, pairs,
     * phrases, prefixes, fuzzy terms, required and excluded words, numeric ranges and keyword
     * terms, and mixes of them.
     */
    public static List<String> queries(int count, long seed) {
        Random random = new Random(seed);
        List<String> queries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String a = WORDS[(int) Math.floor(Math.pow(random.nextDouble(), 2) * WORDS.length)];
            String b = WORDS[random.nextInt(WORDS.length)];
            int year = 1950 + random.nextInt(70);
            queries.add(switch (i % 10) {
                case 0 -> a;
                case 1 -> a + " " + b;
                case 2 -> "\"" + a + " " + b + "\"~2";
                case 3 -> (a.length() > 3 ? a.substring(0, 3) : a) + "*";
                case 4 -> (a.length() > 4 ? a.substring(0, a.length() - 1) + "x" : a) + "~1";
                case 5 -> "+" + a + " -" + b;
                case 6 -> a + " AND year:[" + year + " TO " + (year + 10) + "]";
                case 7 -> "tags:" + WORDS[random.nextInt(8)] + " " + a;
                case 8 -> "price:[* TO " + random.nextInt(1000) + "] AND (" + a + " OR " + b + ")";
                default -> "title:" + a + " OR contents:" + b + "^2";
            });
        }
        return queries;
    }

    private static String words(Random random, int count) {
        StringBuilder text = new StringBuilder();
        for (int w = 0; w < count; w++) {
            // Zipf-like: small indexes much more often.
            int index = (int) Math.min(WORDS.length - 1, Math.floor(Math.pow(random.nextDouble(), 3) * WORDS.length));
            if (w > 0) {
                text.append(' ');
            }
            text.append(WORDS[index]);
        }
        return text.toString();
    }

    /** Writes lines as JSONL; gzip-compressed when the name ends with {@code .gz}. */
    public static Path write(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream out = file.toString().endsWith(".gz") ? new GZIPOutputStream(raw) : raw) {
            for (String line : lines) {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        }
        return file;
    }
}
