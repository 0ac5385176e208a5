package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What to index and how: the id field, the typed fields, the analyzers, the fields searched by
 * default, and the similarity. Written by people as JSON; see docs/FORMAT.md.
 *
 * <pre>{@code
 * {
 *   "idField": "id",
 *   "fields": {
 *     "title":    {"type": "text", "stored": true, "analyzer": "english"},
 *     "contents": {"type": "text", "analyzer": "folded"},
 *     "source":   {"type": "keyword", "stored": true},
 *     "year":     {"type": "long", "stored": true}
 *   },
 *   "analyzers": {
 *     "folded": {"tokenizer": {"name": "standard"},
 *                "filters": [{"name": "lowercase"}, {"name": "asciiFolding"}]}
 *   },
 *   "defaultSearchFields": ["title", "contents"],
 *   "similarity": {"type": "BM25", "k1": 1.2, "b": 0.75}
 * }
 * }</pre>
 *
 * <p>A spec is always {@link #normalized() normalized}: defaults are filled in, so two specs that
 * mean the same have the same {@link #fingerprint()}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record IndexSpec(
        String idField,
        Map<String, FieldSpec> fields,
        Map<String, AnalyzerSpec> analyzers,
        List<String> defaultSearchFields,
        SimilaritySpec similarity) {

    public IndexSpec {
        fields = fields == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(fields));
        analyzers = analyzers == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(analyzers));
        defaultSearchFields = defaultSearchFields == null ? List.of() : List.copyOf(defaultSearchFields);
    }

    /** The spec used when none is given: {@code id}, and {@code title} and {@code contents} as text. */
    public static IndexSpec defaultSpec() {
        Map<String, FieldSpec> fields = new TreeMap<>();
        fields.put("title", new FieldSpec(FieldType.TEXT, true, "standard"));
        fields.put("contents", new FieldSpec(FieldType.TEXT, false, "standard"));
        return new IndexSpec("id", fields, Map.of(), List.of("title", "contents"), SimilaritySpec.DEFAULT).normalized();
    }

    /** Reads and validates a spec file; every problem names the file and the field. */
    public static IndexSpec read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SpecException(file + ": no such spec file");
        } catch (IOException e) {
            throw new SpecException(file + ": cannot read the spec file: " + e.getMessage());
        }
        return parse(bytes, file.toString());
    }

    /** Parses and validates a spec; {@code source} names it in messages. */
    public static IndexSpec parse(byte[] json, String source) {
        IndexSpec spec;
        try {
            spec = Json.read(json, IndexSpec.class);
        } catch (FormatException e) {
            throw new SpecException(source + ": invalid index spec: " + e.getMessage());
        }
        try {
            return spec.normalized();
        } catch (SpecException e) {
            throw new SpecException(source + ": " + e.getMessage());
        }
    }

    /**
     * This spec with defaults filled in, after checking it: text fields get the
     * {@code standard} analyzer, the default search fields are all text fields, the similarity is
     * BM25 with k1 = 1.2 and b = 0.75.
     *
     * @throws SpecException naming the field or analyzer and the problem
     */
    public IndexSpec normalized() {
        List<String> problems = new ArrayList<>();
        if (idField == null || idField.isBlank()) {
            problems.add("\"idField\" is missing: name the field that holds each document's unique id");
        } else if (fields.containsKey(idField)) {
            problems.add("field '" + idField + "' is the id field and cannot also be declared in \"fields\"");
        }
        if (fields.isEmpty()) {
            problems.add("\"fields\" is empty: declare at least one field to index");
        }
        for (String name : analyzers.keySet()) {
            if (Analyzers.isBuiltIn(name)) {
                problems.add("analyzer '" + name + "' has the name of a built-in analyzer; choose another name");
            }
        }
        Map<String, FieldSpec> normalizedFields = new TreeMap<>();
        for (Map.Entry<String, FieldSpec> entry : fields.entrySet()) {
            String name = entry.getKey();
            FieldSpec field = entry.getValue();
            if (name.isBlank()) {
                problems.add("a field has an empty name");
                continue;
            }
            if (field == null || field.type() == null) {
                problems.add("field '" + name + "': \"type\" is missing (one of text, keyword, long, double)");
                continue;
            }
            String analyzer = field.analyzer();
            if (field.type() == FieldType.TEXT) {
                analyzer = analyzer == null ? "standard" : analyzer;
                if (!Analyzers.isBuiltIn(analyzer) && !analyzers.containsKey(analyzer)) {
                    problems.add("field '" + name + "': unknown analyzer '" + analyzer + "' (built-in: "
                            + String.join(", ", Analyzers.builtInNames()) + "; or define it under \"analyzers\")");
                }
            } else if (analyzer != null) {
                problems.add("field '" + name + "': an analyzer only applies to text fields, not " + field.type().json());
            }
            normalizedFields.put(name, new FieldSpec(field.type(), field.stored(), analyzer));
        }
        List<String> searchFields = new ArrayList<>(defaultSearchFields);
        if (searchFields.isEmpty()) {
            normalizedFields.forEach((name, field) -> {
                if (field.type() == FieldType.TEXT) {
                    searchFields.add(name);
                }
            });
        }
        for (String name : searchFields) {
            if (name.equals(idField)) {
                // The id is one exact token, like a keyword: a query term finds the record with that id.
                continue;
            }
            FieldSpec field = normalizedFields.get(name);
            if (field == null) {
                problems.add("\"defaultSearchFields\": '" + name + "' is not a declared field");
            } else if (field.type() != FieldType.TEXT && field.type() != FieldType.KEYWORD) {
                problems.add("\"defaultSearchFields\": '" + name + "' is a " + field.type().json() + " field; only text and keyword fields can be searched by default");
            }
        }
        if (searchFields.isEmpty() && problems.isEmpty()) {
            problems.add("no field to search: declare a text field or list \"defaultSearchFields\"");
        }
        SimilaritySpec similarity = this.similarity == null ? SimilaritySpec.DEFAULT : this.similarity;
        problems.addAll(similarity.problems());
        for (Map.Entry<String, AnalyzerSpec> entry : analyzers.entrySet()) {
            try {
                Analyzers.buildCustom(entry.getKey(), entry.getValue()).close();
            } catch (SpecException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new SpecException(String.join("; ", problems));
        }
        return new IndexSpec(idField, normalizedFields, analyzers, searchFields, similarity);
    }

    /**
     * A stable identity of what this (normalized) spec means: the SHA-256 of its canonical JSON.
     * Specs from {@link #read}, {@link #parse} and {@link #defaultSpec} are normalized.
     */
    public String fingerprint() {
        return Json.checksum(Json.MAPPER.valueToTree(this));
    }

    /** The type of a field: how its values are indexed. */
    public enum FieldType implements WireEnum {
        /** Analyzed full text: searchable words, scored with the similarity. */
        TEXT,
        /** One exact token per value, with sorted doc values (filters, facets, sorting). */
        KEYWORD,
        /** A 64-bit integer: a point for range queries and doc values for sorting. */
        LONG,
        /** A 64-bit float: a point for range queries and doc values for sorting. */
        DOUBLE;

        @JsonCreator
        public static FieldType parse(String text) {
            return Json.parseWire(FieldType.class, text, "field type");
        }
    }

    /**
     * @param type how values are indexed
     * @param stored whether values are kept to be shown in search hits
     * @param analyzer text fields only: a built-in analyzer name or one defined in the spec
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FieldSpec(FieldType type, boolean stored, String analyzer) {
        @JsonCreator
        static FieldSpec create(@JsonProperty("type") FieldType type, @JsonProperty("stored") Boolean stored,
                                @JsonProperty("analyzer") String analyzer) {
            return new FieldSpec(type, stored != null && stored, analyzer);
        }
    }

    /**
     * A Lucene {@code CustomAnalyzer}, with components named as Lucene's analysis SPI names them
     * ({@code standard}, {@code lowercase}, {@code porterStem}, {@code htmlStrip}...).
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record AnalyzerSpec(List<Component> charFilters, Component tokenizer, List<Component> filters) {
        public AnalyzerSpec {
            charFilters = charFilters == null ? List.of() : List.copyOf(charFilters);
            filters = filters == null ? List.of() : List.copyOf(filters);
        }
    }

    /** One analysis component and its parameters, as strings as the SPI factories take them. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Component(String name, Map<String, String> params) {
        public Component {
            params = params == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(params));
        }
    }

    /** The scoring model; BM25 is the only one, with its two parameters. */
    public record SimilaritySpec(String type, double k1, double b) {
        public static final SimilaritySpec DEFAULT = new SimilaritySpec("BM25", 1.2, 0.75);

        /** Missing members take BM25's defaults. */
        @JsonCreator
        static SimilaritySpec create(@JsonProperty("type") String type, @JsonProperty("k1") Double k1, @JsonProperty("b") Double b) {
            return new SimilaritySpec(type == null ? DEFAULT.type() : type, k1 == null ? DEFAULT.k1() : k1, b == null ? DEFAULT.b() : b);
        }

        List<String> problems() {
            List<String> problems = new ArrayList<>();
            if (!"BM25".equals(type)) {
                problems.add("similarity: unknown type '" + type + "' (only BM25)");
            }
            if (!Double.isFinite(k1) || k1 < 0) {
                problems.add("similarity: k1 must be a non-negative number, not " + k1);
            }
            if (!Double.isFinite(b) || b < 0 || b > 1) {
                problems.add("similarity: b must be between 0 and 1, not " + b);
            }
            return problems;
        }
    }

    /** An invalid spec (exit code 2); the message names the field or analyzer and the problem. */
    public static final class SpecException extends RuntimeException implements ErrorKind.Kinded {
        public SpecException(String message) {
            super(requireNonNull(message, "message is null"));
        }

        @Override
        public ErrorKind errorKind() {
            return ErrorKind.INVALID_SPEC;
        }
    }
}
