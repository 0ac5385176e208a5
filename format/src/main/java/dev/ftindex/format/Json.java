package dev.ftindex.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.EnumNamingStrategies;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The one Jackson configuration for every file ftindex writes. Output is deterministic (map
 * entries sorted by key, record components in declaration order), so the same value always
 * gives the same bytes: that is what lets every finalizer write an identical
 * {@code metadata.lance}.
 *
 * <p>Checksummed documents carry a {@code "checksum"} member: the SHA-256 of the canonical form
 * (every object's members sorted, no whitespace) of the document without that member. A
 * bit flip that still parses as JSON is caught by it.
 */
public final class Json {
    static final String CHECKSUM = "checksum";

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enumNamingStrategy(EnumNamingStrategies.KebabCaseStrategy.INSTANCE)
            .build();

    /** As {@link #MAPPER}, on one line (JSON lines output). */
    public static final ObjectMapper COMPACT = MAPPER.copy().disable(SerializationFeature.INDENT_OUTPUT);

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private Json() {}

    /** An enum constant's value on the wire ({@link WireEnum}): its name in lower kebab case, as Jackson writes it here. */
    public static String wireName(String constant) {
        return EnumNamingStrategies.KebabCaseStrategy.INSTANCE.convertEnumToExternalName(constant);
    }

    /**
     * The constant of {@code type} whose wire name is {@code text}.
     *
     * @param what what the value is, for the message ("field type")
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static <E extends Enum<E> & WireEnum> E parseWire(Class<E> type, String text, String what) {
        List<String> accepted = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            if (constant.json().equals(text)) {
                return constant;
            }
            accepted.add(constant.json());
        }
        throw new IllegalArgumentException("unknown " + what + " '" + text + "' (one of " + String.join(", ", accepted) + ")");
    }

    /** Serializes {@code value} with a checksum member appended. */
    public static byte[] writeChecksummed(Object value) {
        ObjectNode tree = MAPPER.valueToTree(value);
        tree.remove(CHECKSUM);
        tree.put(CHECKSUM, checksum(tree));
        return write(tree);
    }

    /** Serializes {@code value} deterministically. */
    public static byte[] write(Object value) {
        try {
            byte[] bytes = MAPPER.writeValueAsBytes(value);
            byte[] withNewline = java.util.Arrays.copyOf(bytes, bytes.length + 1);
            withNewline[bytes.length] = '\n';
            return withNewline;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * Parses a checksummed document.
     *
     * @throws FormatException if the bytes are not JSON of that type, or fail their checksum
     */
    public static <T> T readChecksummed(byte[] bytes, Class<T> type) {
        JsonNode tree = parseTree(bytes);
        if (!(tree instanceof ObjectNode object)) {
            throw new FormatException("expected a JSON object");
        }
        JsonNode stored = object.remove(CHECKSUM);
        if (stored == null || !stored.isTextual()) {
            throw new FormatException("the \"checksum\" member is missing");
        }
        String computed = checksum(object);
        if (!computed.equals(stored.asText())) {
            throw new FormatException("checksum mismatch: the file says " + stored.asText() + ", its content gives " + computed);
        }
        return convert(object, type);
    }

    /** Parses a document without checksum (the index spec, which people write). */
    public static <T> T read(byte[] bytes, Class<T> type) {
        return convert(parseTree(bytes), type);
    }

    private static JsonNode parseTree(byte[] bytes) {
        try (JsonParser parser = MAPPER.createParser(bytes)) {
            JsonNode tree = MAPPER.readTree(parser);
            if (tree == null || tree.isMissingNode()) {
                throw new FormatException("empty document");
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new FormatException(describe(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T convert(JsonNode tree, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new FormatException(describe(e), e);
        } catch (IllegalArgumentException e) {
            // Validating constructors of the models throw this; Jackson wraps it otherwise.
            throw new FormatException(e.getMessage(), e);
        }
    }

    /** A parse error as "message at line L, column C, field a.b[2]". */
    static String describe(JsonProcessingException e) {
        StringBuilder text = new StringBuilder();
        Throwable root = e;
        while (root.getCause() instanceof IllegalArgumentException cause) {
            root = cause;
        }
        text.append(root == e ? e.getOriginalMessage() : root.getMessage());
        if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
            text.append(" at line ").append(e.getLocation().getLineNr()).append(", column ").append(e.getLocation().getColumnNr());
        }
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            text.append(" (at ").append(path(mapping.getPath())).append(')');
        }
        return text.toString();
    }

    private static String path(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> references) {
        StringBuilder text = new StringBuilder();
        for (var reference : references) {
            if (reference.getFieldName() != null) {
                if (!text.isEmpty()) {
                    text.append('.');
                }
                text.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                text.append('[').append(reference.getIndex()).append(']');
            }
        }
        return text.toString();
    }

    static String checksum(JsonNode tree) {
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(canonical(tree));
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a JSON tree", e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is always available", e);
        }
    }

    /** A copy of the tree whose object members are sorted by name, at every depth. */
    static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            ObjectNode sorted = MAPPER.createObjectNode();
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            for (String name : names) {
                sorted.set(name, canonical(node.get(name)));
            }
            return sorted;
        }
        if (node.isArray()) {
            var array = MAPPER.createArrayNode();
            node.forEach(element -> array.add(canonical(element)));
            return array;
        }
        return node;
    }

    /** SHA-256 of a UTF-8 string, as hex. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is always available", e);
        }
    }
}
