package dev.ftindex.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * A JSONL corpus for benchmarks: a given file, or one generated to a given size. Generated text
 * draws words with the frequencies they have in the bundled sample (real English: the King James
 * Bible and WordNet glosses, about 27,000 distinct words), plus a long tail of rare words so
 * the vocabulary keeps growing with the corpus as real text does; document lengths are
 * log-normal (median about 100 words).
 */
record Corpus(Path file, long docs, long bytes, boolean generated) {

    static Corpus of(Path file) throws IOException {
        long docs = 0;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            int n;
            boolean content = false;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        docs += content ? 1 : 0;
                        content = false;
                    } else if (buffer[i] != ' ' && buffer[i] != '\r') {
                        content = true;
                    }
                }
            }
            docs += content ? 1 : 0;
        }
        return new Corpus(file, docs, Files.size(file), false);
    }

    /** Writes about {@code targetBytes} of generated documents to {@code file}. */
    static Corpus generate(Path file, long targetBytes, long seed) throws IOException {
        Vocabulary vocabulary = Vocabulary.fromSample();
        Random random = new Random(seed);
        Files.createDirectories(file.toAbsolutePath().getParent());
        long docs = 0;
        JsonFactory factory = Json.MAPPER.getFactory();
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
             CountingStream out = new CountingStream(raw)) {
            StringBuilder text = new StringBuilder(4096);
            while (out.count < targetBytes) {
                try (JsonGenerator json = factory.createGenerator(out)) {
                    json.writeStartObject();
                    json.writeStringField("id", "g-" + docs);
                    json.writeStringField("title", vocabulary.words(random, 3 + random.nextInt(7), text, true));
                    int length = (int) Math.min(3_000, Math.max(5, Math.exp(4.6 + 0.8 * random.nextGaussian())));
                    json.writeStringField("contents", vocabulary.words(random, length, text, false));
                    json.writeNumberField("year", 1900 + random.nextInt(125));
                    json.writeArrayFieldStart("tags");
                    for (int t = random.nextInt(4); t > 0; t--) {
                        json.writeString(vocabulary.common(random));
                    }
                    json.writeEndArray();
                    json.writeEndObject();
                }
                out.write('\n');
                docs++;
            }
        }
        return new Corpus(file, docs, Files.size(file), true);
    }

    /** The first {@code bytes} (whole lines) of this corpus, as a file of its own. */
    Corpus head(Path target, long bytes) throws IOException {
        long docs = 0;
        try (InputStream in = Files.newInputStream(file); OutputStream out = new BufferedOutputStream(Files.newOutputStream(target), 1 << 20)) {
            long written = 0;
            int b;
            InputStream buffered = new java.io.BufferedInputStream(in, 1 << 20);
            while ((b = buffered.read()) >= 0) {
                out.write(b);
                written++;
                if (b == '\n') {
                    docs++;
                    if (written >= bytes) {
                        break;
                    }
                }
            }
        }
        return new Corpus(target, docs, Files.size(target), generated);
    }

    /** Words by their frequency in the bundled sample. */
    static final class Vocabulary {
        private final String[] words;
        private final long[] cumulative;

        private Vocabulary(String[] words, long[] cumulative) {
            this.words = words;
            this.cumulative = cumulative;
        }

        static Vocabulary fromSample() throws IOException {
            Map<String, Long> counts = new HashMap<>();
            for (int i = 0; i < 8; i++) {
                String resource = "/dev/ftindex/cli/sample/docs/sample-" + i + ".jsonl.gz";
                try (InputStream in = Corpus.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IOException("the bundled sample is missing " + resource);
                    }
                    BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
                    String line;
                    while ((line = reader.readLine()) != null) {
                        JsonNode doc = Json.MAPPER.readTree(line);
                        for (String word : doc.get("contents").asText().toLowerCase(java.util.Locale.ROOT).split("[^a-z]+")) {
                            if (word.length() > 1) {
                                counts.merge(word, 1L, Long::sum);
                            }
                        }
                    }
                }
            }
            List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
            sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            String[] words = new String[sorted.size()];
            long[] cumulative = new long[sorted.size()];
            long total = 0;
            for (int i = 0; i < sorted.size(); i++) {
                words[i] = sorted.get(i).getKey();
                total += sorted.get(i).getValue();
                cumulative[i] = total;
            }
            return new Vocabulary(words, cumulative);
        }

        int size() {
            return words.length;
        }

        String word(Random random) {
            if (random.nextInt(100) < 2) {
                // The long tail: a rare word, as names, numbers and typos are in real text.
                return words[words.length - 1 - random.nextInt(Math.min(words.length, 5_000))] + Integer.toString(random.nextInt(2_000_000), 36);
            }
            long draw = (long) (random.nextDouble() * cumulative[cumulative.length - 1]);
            int index = Arrays.binarySearch(cumulative, draw + 1);
            return words[index >= 0 ? index : -index - 1];
        }

        String common(Random random) {
            return words[random.nextInt(Math.min(words.length, 50))];
        }

        /** A mid-frequency word, the kind people search for. */
        String searchable(Random random) {
            return words[100 + random.nextInt(Math.min(words.length - 100, 3_000))];
        }

        String words(Random random, int count, StringBuilder text, boolean capitalize) {
            text.setLength(0);
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    text.append(' ');
                }
                String word = word(random);
                text.append(capitalize && i == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
            }
            return text.toString();
        }
    }

    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            count += length;
        }

        @Override
        public void close() throws IOException {
            // The generator closes each document; the stream is closed by its owner.
            out.flush();
        }
    }
}
