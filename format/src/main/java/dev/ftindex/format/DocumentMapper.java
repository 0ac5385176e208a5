package dev.ftindex.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import dev.ftindex.format.IndexSpec.FieldSpec;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.Document;

/**
 * Turns one JSON record into one Lucene document, as the spec says. This is the only place
 * where records become documents, for the workers and for anyone who builds a reference index.
 *
 * <p>The id is indexed as one exact token, stored, and kept as sorted doc values, which break
 * score ties so that results are deterministic ({@link DocumentFields}). Fields the spec does
 * not declare are ignored; {@code null} values count as absent; arrays give several values; a
 * dotted field name reaches into objects ({@code "author.name"}). Anything else that does not
 * fit (malformed JSON, invalid UTF-8, a missing id, a value of the wrong type, trailing content)
 * is a {@link BadRecordException} naming the field. Thread-safe.
 */
public final class DocumentMapper {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final String idField;
    private final Map<String, FieldSpec> fields;
    /** Dotted paths that lead to declared fields ("a" and "a.b" for a field "a.b.c"). */
    private final Set<String> objectPaths = new HashSet<>();

    public DocumentMapper(IndexSpec spec) {
        this.idField = spec.idField();
        this.fields = spec.fields();
        for (String name : fields.keySet()) {
            for (int dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
                objectPaths.add(name.substring(0, dot));
            }
        }
    }

    public String idField() {
        return idField;
    }

    /** Maps the UTF-8 JSON object in {@code bytes[offset, offset + length)}. */
    public Document map(byte[] bytes, int offset, int length) throws BadRecordException {
        try (JsonParser parser = FACTORY.createParser(bytes, offset, length)) {
            return map(parser);
        } catch (JsonParseException e) {
            throw new BadRecordException("invalid JSON: " + e.getOriginalMessage()
                    + " (column " + e.getLocation().getColumnNr() + ")");
        } catch (InputCoercionException e) {
            throw new BadRecordException(e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRecordException("unreadable record: " + e.getMessage());
        }
    }

    /**
     * The id of the JSON record in {@code bytes[offset, offset + length)}, reading nothing else
     * of it; empty when the record has no valid id (it would not have been indexed).
     */
    public java.util.Optional<String> id(byte[] bytes, int offset, int length) {
        try (JsonParser parser = FACTORY.createParser(bytes, offset, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return java.util.Optional.empty();
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals(idField)) {
                    return java.util.Optional.of(id(parser, value));
                }
                parser.skipChildren();
            }
            return java.util.Optional.empty();
        } catch (IOException | BadRecordException e) {
            return java.util.Optional.empty();
        }
    }

    private Document map(JsonParser parser) throws IOException, BadRecordException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new BadRecordException("expected a JSON object, found " + describe(parser.currentToken()));
        }
        Document document = new Document();
        String id = readObject(parser, document, "");
        JsonToken trailing = parser.nextToken();
        if (trailing != null) {
            throw new BadRecordException("unexpected content after the JSON object: " + describe(trailing));
        }
        if (id == null) {
            throw new BadRecordException("missing id field '" + idField + "'");
        }
        DocumentFields.addId(document, idField, id);
        return document;
    }

    /**
     * Reads the members of an object whose start was just read; {@code path} is its dotted path
     * ("" for the record). A member is a declared field by its dotted path ({@code "a.b"} is
     * member {@code b} of object {@code a}, or a top-level key {@code "a.b"}).
     *
     * @return the id, when this is the record and it has one
     */
    private String readObject(JsonParser parser, Document document, String path) throws IOException, BadRecordException {
        String id = null;
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String name = path.isEmpty() ? parser.currentName() : path + "." + parser.currentName();
            JsonToken value = parser.nextToken();
            if (path.isEmpty() && name.equals(idField)) {
                id = id(parser, value);
                continue;
            }
            FieldSpec field = fields.get(name);
            if (field == null) {
                if (value == JsonToken.START_OBJECT && objectPaths.contains(name)) {
                    readObject(parser, document, name);
                } else {
                    parser.skipChildren();
                }
                continue;
            }
            if (value == JsonToken.START_ARRAY) {
                JsonToken element;
                while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (element == JsonToken.START_ARRAY || element == JsonToken.START_OBJECT) {
                        throw new BadRecordException("field '" + name + "': expected " + expected(field) + " or an array of them, found a nested " + describe(element));
                    }
                    add(document, name, field, parser, element);
                }
            } else {
                add(document, name, field, parser, value);
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new BadRecordException("invalid JSON object");
        }
        return id;
    }

    private String id(JsonParser parser, JsonToken value) throws IOException, BadRecordException {
        return switch (value) {
            case VALUE_STRING, VALUE_NUMBER_INT -> parser.getText();
            default -> throw new BadRecordException("id field '" + idField + "': expected a string or an integer, found " + describe(value));
        };
    }

    private static void add(Document document, String name, FieldSpec field, JsonParser parser, JsonToken value)
            throws IOException, BadRecordException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        switch (field.type()) {
            case TEXT, KEYWORD -> {
                requireToken(name, field, value, JsonToken.VALUE_STRING);
                DocumentFields.addString(document, name, field, parser.getText());
            }
            case LONG -> {
                requireToken(name, field, value, JsonToken.VALUE_NUMBER_INT);
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw new BadRecordException("field '" + name + "': " + parser.getText() + " is out of range for a long");
                }
                DocumentFields.addLong(document, name, field, parser.getLongValue());
            }
            case DOUBLE -> {
                if (value != JsonToken.VALUE_NUMBER_FLOAT && value != JsonToken.VALUE_NUMBER_INT) {
                    throw wrongType(name, field, value);
                }
                double number = parser.getDoubleValue();
                if (!Double.isFinite(number)) {
                    throw new BadRecordException("field '" + name + "': " + parser.getText() + " is out of range for a double");
                }
                DocumentFields.addDouble(document, name, field, number);
            }
        }
    }

    private static void requireToken(String name, FieldSpec field, JsonToken actual, JsonToken expected) throws BadRecordException {
        if (actual != expected) {
            throw wrongType(name, field, actual);
        }
    }

    private static BadRecordException wrongType(String name, FieldSpec field, JsonToken actual) {
        return new BadRecordException("field '" + name + "' is " + field.type().json() + ": expected " + expected(field) + ", found " + describe(actual));
    }

    private static String expected(FieldSpec field) {
        return switch (field.type()) {
            case TEXT, KEYWORD -> "a string";
            case LONG -> "an integer";
            case DOUBLE -> "a number";
        };
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a decimal number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.asString() == null ? token.name() : "'" + token.asString() + "'";
        };
    }
}
