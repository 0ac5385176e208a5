package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Where a page of a sorted search ends: the last hit's sort values (its id among them), for the
 * next page to start after ({@code search_after}). Opaque to clients: a URL-safe token of the
 * order's description and the values. A cursor resumes only the order it was made by; any later
 * hit of that order is found exactly once, whatever the page size, since the order is total (it
 * ends with the id).
 *
 * @param sort the order's {@link SortOrder#describe description}
 * @param values the last hit's sort values ({@link SortOrder#values})
 */
public record Cursor(String sort, List<Object> values) {
    public Cursor {
        requireNonNull(sort, "sort is null");
        values = java.util.Collections.unmodifiableList(new ArrayList<>(values));
    }

    /** The token a response gives and a request passes back as {@code after}. */
    public String token() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("sort", sort);
        ArrayNode array = node.putArray("values");
        for (Object value : values) {
            switch (value) {
                case null -> array.addNull();
                case Float number -> array.add(number);
                case Double number -> array.add(number);
                case Long number -> array.add(number);
                case Integer number -> array.add(number);
                default -> array.add(String.valueOf(value));
            }
        }
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.COMPACT.writeValueAsBytes(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads a token back.
     *
     * @throws IllegalArgumentException if it is not one this ftindex made
     */
    public static Cursor parse(String token) {
        try {
            JsonNode node = Json.MAPPER.readTree(new String(Base64.getUrlDecoder().decode(token.strip()), StandardCharsets.UTF_8));
            if (!node.path("sort").isTextual() || !node.path("values").isArray()) {
                throw new IllegalArgumentException("no sort or values");
            }
            List<Object> values = new ArrayList<>();
            for (JsonNode value : node.path("values")) {
                values.add(value.isNull() ? null : value.isTextual() ? value.asText() : value.isIntegralNumber() ? (Object) value.asLong()
                        : (Object) value.doubleValue());
            }
            return new Cursor(node.path("sort").asText(), values);
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new IllegalArgumentException("'after' is not a cursor of a page of hits (pass back the 'after' of the previous page as it"
                    + " was given): " + e.getMessage());
        }
    }
}
