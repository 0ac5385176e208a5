package dev.ftindex.worker;

import dev.ftindex.format.BadInputException;
import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.DocumentFields;
import dev.ftindex.format.IndexSpec.FieldSpec;
import dev.ftindex.format.IndexSpec.FieldType;
import dev.ftindex.format.IndexSpec;
import dev.hardwood.metadata.LogicalType;
import dev.hardwood.metadata.PhysicalType;
import dev.hardwood.metadata.RepetitionType;
import dev.hardwood.row.PqList;
import dev.hardwood.row.StructAccessor;
import dev.hardwood.schema.FileSchema;
import dev.hardwood.schema.SchemaNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.lucene.document.Document;

/**
 * How the columns of one Parquet file become the fields of the spec, checked against the file's
 * schema before a row is read. A spec field reads the column of the same name; a dotted name
 * reaches into structs ({@code author.name}); a list, or a repeated field, gives several values.
 * The documented conversions (docs/FORMAT.md):
 *
 * <ul>
 *   <li>text and keyword: STRING, ENUM, JSON, UUID, and BYTE_ARRAY without annotation (read as
 *       UTF-8; older writers store strings that way);
 *   <li>long: integers of every width, DATE (days since 1970-01-01), TIMESTAMP and INT96
 *       (milliseconds since 1970-01-01 UTC), DECIMAL with scale 0;
 *   <li>double: integers, FLOAT, DOUBLE, FLOAT16, DECIMAL;
 *   <li>the id: a string or an integer column, one value a row.
 * </ul>
 *
 * Anything else (a boolean where text is declared, a map, a list of lists, a missing column) is
 * refused naming the file, the column and both types.
 */
final class ParquetMapping {
    private final String file;
    private final Column id;
    private final List<Column> columns;

    private ParquetMapping(String file, Column id, List<Column> columns) {
        this.file = file;
        this.id = id;
        this.columns = columns;
    }

    /** What a mapped column holds, as far as conversions go. */
    enum Kind { STRING, BINARY, UUID, INTEGER, UNSIGNED_64, FLOAT, DECIMAL, INTEGRAL_DECIMAL, DATE, TIMESTAMP, OTHER }

    /**
     * One spec field bound to one leaf of the schema.
     *
     * @param path the names from the root to the leaf
     * @param repeated whether the leaf holds several values a row (a list or a repeated field)
     * @param parquetType the leaf's type as people read it: "optional int64 (TIMESTAMP)"
     */
    record Column(String field, FieldSpec spec, List<String> path, boolean repeated, Kind kind, String parquetType) {
        String dotted() {
            return String.join(".", path);
        }
    }

    /**
     * Binds the spec to a file's schema.
     *
     * @throws BadInputException naming the file, the column and the types, for every spec field
     *     that is missing or of an incompatible type
     */
    static ParquetMapping resolve(String file, FileSchema schema, IndexSpec spec) {
        List<String> problems = new ArrayList<>();
        Column id = bind(file, schema, spec.idField(), null, problems);
        if (id != null && id.repeated()) {
            problems.add("id column '" + spec.idField() + "' is " + id.parquetType() + ": an id is one string or integer a row");
        }
        List<Column> columns = new ArrayList<>();
        spec.fields().forEach((name, field) -> {
            Column column = bind(file, schema, name, field, problems);
            if (column != null) {
                columns.add(column);
            }
        });
        if (!problems.isEmpty()) {
            throw new BadInputException(file + ": the spec does not fit the file's schema: " + String.join("; ", problems)
                    + " (ftindex inspect " + file + " shows the schema and the mapping)");
        }
        return new ParquetMapping(file, id, List.copyOf(columns));
    }

    /** The columns to read: only those the spec maps, and the id. */
    String[] projection() {
        List<String> names = new ArrayList<>();
        names.add(id.dotted());
        columns.forEach(column -> names.add(column.dotted()));
        return names.stream().distinct().toArray(String[]::new);
    }

    String idColumn() {
        return id.dotted();
    }

    /** The binding of each spec field, for {@code ftindex inspect}: field → "column (type)". */
    Map<String, String> describe() {
        Map<String, String> mapping = new LinkedHashMap<>();
        mapping.put(id.field() + " (id)", id.dotted() + ": " + id.parquetType());
        columns.forEach(column -> mapping.put(column.field() + " (" + column.spec().type().json() + ")",
                column.dotted() + ": " + column.parquetType() + (column.repeated() ? ", several values a row" : "")));
        return mapping;
    }

    /** The row's id, or empty when it has none (such a row is a bad record). */
    java.util.Optional<String> id(StructAccessor row) throws BadRecordException {
        Object value = value(row, id.path());
        return value == null ? java.util.Optional.empty() : java.util.Optional.of(idText(value));
    }

    /** Maps one row, as {@link dev.ftindex.format.DocumentMapper} maps one JSON record. */
    Document map(StructAccessor row) throws BadRecordException {
        Document document = new Document();
        for (Column column : columns) {
            Object value = value(row, column.path());
            if (value == null) {
                continue;
            }
            if (column.repeated()) {
                if (value instanceof PqList list) {
                    for (Object element : list.values()) {
                        if (element != null) {
                            add(document, column, element);
                        }
                    }
                } else {
                    add(document, column, value);
                }
            } else {
                add(document, column, value);
            }
        }
        Object idValue = value(row, id.path());
        if (idValue == null) {
            throw new BadRecordException("missing id column '" + id.dotted() + "' (null)");
        }
        DocumentFields.addId(document, id.field(), idText(idValue));
        return document;
    }

    private String idText(Object value) throws BadRecordException {
        return switch (value) {
            case String text -> text;
            case byte[] bytes -> utf8(id.dotted(), bytes);
            case Number number when !(number instanceof BigDecimal) && !(number instanceof Float) && !(number instanceof Double) -> {
                if (id.kind() == Kind.UNSIGNED_64 && number.longValue() < 0) {
                    yield Long.toUnsignedString(number.longValue());
                }
                yield String.valueOf(number.longValue());
            }
            case UUID uuid -> uuid.toString();
            default -> throw new BadRecordException("id column '" + id.dotted() + "': " + value.getClass().getSimpleName() + " is not a string or an integer");
        };
    }

    private static void add(Document document, Column column, Object value) throws BadRecordException {
        FieldSpec spec = column.spec();
        String name = column.field();
        switch (spec.type()) {
            case TEXT, KEYWORD -> DocumentFields.addString(document, name, spec, switch (value) {
                case String text -> text;
                case byte[] bytes -> utf8(column.dotted(), bytes);
                case UUID uuid -> uuid.toString();
                default -> throw unexpected(column, value);
            });
            case LONG -> DocumentFields.addLong(document, name, spec, asLong(column, value));
            case DOUBLE -> DocumentFields.addDouble(document, name, spec, asDouble(column, value));
        }
    }

    private static long asLong(Column column, Object value) throws BadRecordException {
        return switch (value) {
            case Byte b -> b;
            case Short s -> s;
            case Integer i -> i;
            case Long l -> {
                if (column.kind() == Kind.UNSIGNED_64 && l < 0) {
                    throw new BadRecordException("column '" + column.dotted() + "': " + Long.toUnsignedString(l) + " is out of range for a long");
                }
                yield l;
            }
            case BigDecimal decimal -> {
                try {
                    yield decimal.longValueExact();
                } catch (ArithmeticException e) {
                    throw new BadRecordException("column '" + column.dotted() + "': " + decimal + " is out of range for a long");
                }
            }
            case LocalDate date -> date.toEpochDay();
            case Instant instant -> instant.toEpochMilli();
            case LocalDateTime local -> local.toInstant(ZoneOffset.UTC).toEpochMilli();
            default -> throw unexpected(column, value);
        };
    }

    private static double asDouble(Column column, Object value) throws BadRecordException {
        return switch (value) {
            case Float f -> f;
            case Double d -> d;
            case BigDecimal decimal -> decimal.doubleValue();
            case Long l when column.kind() == Kind.UNSIGNED_64 && l < 0 -> Double.parseDouble(Long.toUnsignedString(l));
            case Number number -> number.longValue();
            default -> throw unexpected(column, value);
        };
    }

    private static BadRecordException unexpected(Column column, Object value) {
        return new BadRecordException("column '" + column.dotted() + "' (" + column.parquetType() + ") gave a "
                + value.getClass().getSimpleName() + " where field '" + column.field() + "' (" + column.spec().type().json() + ") needs another type");
    }

    private static String utf8(String column, byte[] bytes) throws BadRecordException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRecordException("column '" + column + "': the bytes are not UTF-8 text");
        }
    }

    /** The value at {@code path}, or null where the row (or a struct on the way) has none. */
    private static Object value(StructAccessor row, List<String> path) {
        StructAccessor at = row;
        for (int i = 0; i < path.size() - 1; i++) {
            if (at.isNull(path.get(i))) {
                return null;
            }
            at = at.getStruct(path.get(i));
        }
        String leaf = path.getLast();
        return at.isNull(leaf) ? null : at.getValue(leaf);
    }

    // Binding against the schema.

    /** @param field the spec field, or null for the id */
    private static Column bind(String file, FileSchema schema, String name, FieldSpec field, List<String> problems) {
        String what = field == null ? "id column '" + name + "'" : "column '" + name + "'";
        SchemaNode.GroupNode root = schema.getRootNode();
        List<String> path;
        SchemaNode node = child(root, name);
        if (node != null) {
            // A top-level column whose name has dots in it is that column.
            path = List.of(name);
        } else {
            path = List.of(name.split("\\.", -1));
            node = root;
            for (int i = 0; i < path.size(); i++) {
                if (!(node instanceof SchemaNode.GroupNode group) || (i > 0 && !group.isStruct())) {
                    problems.add(what + ": '" + String.join(".", path.subList(0, i)) + "' is not a struct");
                    return null;
                }
                if (i > 0 && group.repetitionType() == RepetitionType.REPEATED) {
                    problems.add(what + ": '" + String.join(".", path.subList(0, i)) + "' is a repeated group; a path through a list"
                            + " of structs is not supported");
                    return null;
                }
                node = child(group, path.get(i));
                if (node == null) {
                    problems.add(what + " is missing from the file (top-level columns: " + topLevel(schema) + ")");
                    return null;
                }
            }
        }
        boolean repeated = false;
        SchemaNode leaf = node;
        if (leaf instanceof SchemaNode.GroupNode group && group.isList()) {
            repeated = true;
            leaf = group.getListElement();
        } else if (leaf.repetitionType() == RepetitionType.REPEATED) {
            repeated = true;
        }
        if (!(leaf instanceof SchemaNode.PrimitiveNode primitive)) {
            String shape = leaf instanceof SchemaNode.GroupNode group
                    ? group.isList() ? (repeated ? "a list of lists" : "a list") : group.isMap() ? "a map" : "a struct"
                    : "a group";
            problems.add(what + " is " + shape + "; declare its leaves (" + String.join(".", path) + ".<name>) or leave it out");
            return null;
        }
        Kind kind = kindOf(primitive);
        String type = describe(primitive, repeated);
        if (field == null) {
            if (kind != Kind.STRING && kind != Kind.BINARY && kind != Kind.UUID && kind != Kind.INTEGER && kind != Kind.UNSIGNED_64) {
                problems.add(what + " is " + type + ": an id is a string or an integer");
                return null;
            }
            return new Column(name, null, path, repeated, kind, type);
        }
        if (!compatible(field.type(), kind)) {
            problems.add(what + " is " + type + ", which a " + field.type().json() + " field cannot hold (" + accepted(field.type()) + ")");
            return null;
        }
        return new Column(name, field, path, repeated, kind, type);
    }

    private static boolean compatible(FieldType type, Kind kind) {
        return switch (type) {
            case TEXT, KEYWORD -> kind == Kind.STRING || kind == Kind.BINARY || kind == Kind.UUID;
            case LONG -> kind == Kind.INTEGER || kind == Kind.UNSIGNED_64 || kind == Kind.INTEGRAL_DECIMAL || kind == Kind.DATE
                    || kind == Kind.TIMESTAMP;
            case DOUBLE -> kind == Kind.INTEGER || kind == Kind.UNSIGNED_64 || kind == Kind.FLOAT || kind == Kind.DECIMAL
                    || kind == Kind.INTEGRAL_DECIMAL;
        };
    }

    private static String accepted(FieldType type) {
        return switch (type) {
            case TEXT, KEYWORD -> "it takes STRING, ENUM, JSON, UUID or BYTE_ARRAY columns";
            case LONG -> "it takes integer, DATE, TIMESTAMP, INT96 or scale-0 DECIMAL columns";
            case DOUBLE -> "it takes integer, FLOAT, DOUBLE or DECIMAL columns";
        };
    }

    static Kind kindOf(SchemaNode.PrimitiveNode node) {
        LogicalType logical = node.logicalType();
        PhysicalType physical = node.type();
        if (logical instanceof LogicalType.StringType || logical instanceof LogicalType.EnumType || logical instanceof LogicalType.JsonType) {
            return Kind.STRING;
        }
        if (logical instanceof LogicalType.UuidType) {
            return Kind.UUID;
        }
        if (logical instanceof LogicalType.DecimalType decimal) {
            return decimal.scale() == 0 ? Kind.INTEGRAL_DECIMAL : Kind.DECIMAL;
        }
        if (logical instanceof LogicalType.DateType) {
            return Kind.DATE;
        }
        if (logical instanceof LogicalType.TimestampType) {
            return Kind.TIMESTAMP;
        }
        if (logical instanceof LogicalType.Float16Type) {
            return Kind.FLOAT;
        }
        if (logical instanceof LogicalType.IntType integer) {
            return integer.bitWidth() == 64 && !integer.isSigned() ? Kind.UNSIGNED_64 : Kind.INTEGER;
        }
        if (logical != null) {
            return Kind.OTHER;
        }
        return switch (physical.name()) {
            case "INT32", "INT64" -> Kind.INTEGER;
            case "INT96" -> Kind.TIMESTAMP;
            case "FLOAT", "DOUBLE" -> Kind.FLOAT;
            case "BYTE_ARRAY" -> Kind.BINARY;
            default -> Kind.OTHER;
        };
    }

    /** "optional int64 (TIMESTAMP)", "list of optional byte_array (STRING)". */
    static String describe(SchemaNode.PrimitiveNode node, boolean repeated) {
        String logical = node.logicalType() == null ? "" : " (" + node.logicalType().getClass().getSimpleName().replace("Type", "").toUpperCase(java.util.Locale.ROOT) + ")";
        String type = node.repetitionType().name().toLowerCase(java.util.Locale.ROOT) + " " + node.type().name().toLowerCase(java.util.Locale.ROOT) + logical;
        return repeated && node.repetitionType() != RepetitionType.REPEATED ? "list of " + type : type;
    }

    private static SchemaNode child(SchemaNode.GroupNode group, String name) {
        return group.children().stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    private static String topLevel(FileSchema schema) {
        List<String> names = schema.getRootNode().children().stream().map(SchemaNode::name).toList();
        return names.size() <= 20 ? String.join(", ", names) : String.join(", ", names.subList(0, 20)) + ", ...";
    }
}
