package dev.ftindex.spark;

import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.DocumentFields;
import dev.ftindex.format.IndexSpec.FieldSpec;
import dev.ftindex.format.IndexSpec.FieldType;
import dev.ftindex.format.IndexSpec;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * How the columns of a DataFrame become the fields of the spec, bound on the driver before any
 * task runs, then applied to each row on the executors with no JSON in between. The same rules
 * as for Parquet files (docs/FORMAT.md):
 *
 * <ul>
 *   <li>a spec field reads the column of its name; a dotted name reaches into structs
 *       ({@code author.name}) unless a top-level column has the dotted name itself;
 *   <li>an array column gives several values;
 *   <li>text and keyword: string, char, varchar;
 *   <li>long: byte, short, int, long, decimal with scale 0, date (days since 1970-01-01),
 *       timestamp and timestamp_ntz (milliseconds since 1970-01-01, UTC for timestamp_ntz);
 *   <li>double: the integers, float, double, decimal;
 *   <li>the id: a string or an integer column.
 * </ul>
 *
 * A spec field whose column is missing, or whose type does not convert, fails the write naming
 * the column and both types. Null values are no value; a null id is a bad record.
 */
final class RowMapping implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String idField;
    private final Column id;
    private final List<Column> columns;

    /** What a bound column holds, as far as conversions go. */
    enum Kind {
        STRING, INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, DECIMAL, DATE, TIMESTAMP;

        boolean integral() {
            return this == INT8 || this == INT16 || this == INT32 || this == INT64;
        }
    }

    /**
     * One spec field bound to one column.
     *
     * @param ordinals the ordinal in each struct from the row down to the column
     * @param widths the field count of each of those structs
     * @param array whether the column is an array (several values a row)
     * @param precision and {@code scale}: of a decimal column
     */
    record Column(String field, FieldType type, boolean stored, String analyzer, String column, int[] ordinals, int[] widths,
            boolean array, Kind kind, int precision, int scale) implements Serializable {
        FieldSpec spec() {
            return new FieldSpec(type, stored, analyzer);
        }
    }

    private RowMapping(String idField, Column id, List<Column> columns) {
        this.idField = idField;
        this.id = id;
        this.columns = columns;
    }

    /**
     * Binds {@code spec} to {@code schema}.
     *
     * @throws IllegalArgumentException naming every column that is missing or of a type the
     *     field cannot take, with both types
     */
    static RowMapping bind(IndexSpec spec, StructType schema) {
        List<String> problems = new ArrayList<>();
        Column id = null;
        try {
            id = resolve(spec.idField(), null, schema);
            if (id.array() || (id.kind() != Kind.STRING && !id.kind().integral())) {
                problems.add("the id column '" + spec.idField() + "' is " + typeName(schema, spec.idField())
                        + ": an id must be one string or integer a row");
            }
        } catch (IllegalArgumentException e) {
            problems.add("the id field " + e.getMessage());
        }
        List<Column> columns = new ArrayList<>();
        for (Map.Entry<String, FieldSpec> field : spec.fields().entrySet()) {
            if (field.getKey().equals(spec.idField())) {
                continue;
            }
            try {
                Column column = resolve(field.getKey(), field.getValue(), schema);
                if (!converts(column.kind(), column.scale(), field.getValue().type())) {
                    problems.add("column '" + column.column() + "' is " + typeName(schema, field.getKey()) + ", but spec field '"
                            + field.getKey() + "' is " + field.getValue().type().json() + " (" + accepted(field.getValue().type()) + ")");
                } else {
                    columns.add(column);
                }
            } catch (IllegalArgumentException e) {
                problems.add("spec field " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the DataFrame does not fit the spec: " + String.join("; ", problems)
                    + ". Columns: " + schema.simpleString());
        }
        return new RowMapping(spec.idField(), id, List.copyOf(columns));
    }

    String idColumn() {
        return id.column();
    }

    /** The row's id, or null if it has none. */
    String id(InternalRow row) {
        return text(row, id);
    }

    /**
     * The row as a Lucene document.
     *
     * @throws BadRecordException if the id is missing or empty, or a value does not convert
     */
    Document document(InternalRow row) throws BadRecordException {
        Document document = new Document();
        String rowId = id(row);
        if (rowId == null) {
            throw new BadRecordException("the id column '" + id.column() + "' is null");
        }
        DocumentFields.addId(document, idField, rowId);
        for (Column column : columns) {
            add(document, row, column);
        }
        return document;
    }

    private static void add(Document document, InternalRow row, Column column) throws BadRecordException {
        SpecializedGetters holder = row;
        for (int depth = 0; depth < column.ordinals().length - 1; depth++) {
            int ordinal = column.ordinals()[depth];
            if (holder.isNullAt(ordinal)) {
                return;
            }
            holder = holder.getStruct(ordinal, column.widths()[depth]);
        }
        int leaf = column.ordinals()[column.ordinals().length - 1];
        if (holder.isNullAt(leaf)) {
            return;
        }
        if (!column.array()) {
            value(document, holder, leaf, column);
            return;
        }
        ArrayData values = holder.getArray(leaf);
        for (int i = 0; i < values.numElements(); i++) {
            if (!values.isNullAt(i)) {
                value(document, values, i, column);
            }
        }
    }

    private static void value(Document document, SpecializedGetters holder, int ordinal, Column column) throws BadRecordException {
        FieldSpec spec = column.spec();
        switch (column.kind()) {
            case STRING -> DocumentFields.addString(document, column.field(), spec, holder.getUTF8String(ordinal).toString());
            case INT8, INT16, INT32, INT64 -> DocumentFields.addLong(document, column.field(), spec, integer(holder, ordinal, column.kind()));
            case FLOAT32 -> DocumentFields.addDouble(document, column.field(), spec, holder.getFloat(ordinal));
            case FLOAT64 -> DocumentFields.addDouble(document, column.field(), spec, holder.getDouble(ordinal));
            case DATE -> DocumentFields.addLong(document, column.field(), spec, holder.getInt(ordinal));
            case TIMESTAMP -> DocumentFields.addLong(document, column.field(), spec, Math.floorDiv(holder.getLong(ordinal), 1000L));
            case DECIMAL -> {
                Decimal decimal = holder.getDecimal(ordinal, column.precision(), column.scale());
                if (spec.type() == FieldType.LONG) {
                    try {
                        DocumentFields.addLong(document, column.field(), spec, decimal.toJavaBigDecimal().longValueExact());
                    } catch (ArithmeticException e) {
                        throw new BadRecordException("column '" + column.column() + "': " + decimal + " does not fit a long");
                    }
                } else {
                    DocumentFields.addDouble(document, column.field(), spec, decimal.toDouble());
                }
            }
        }
    }

    private static String text(SpecializedGetters row, Column column) {
        SpecializedGetters holder = row;
        for (int depth = 0; depth < column.ordinals().length - 1; depth++) {
            int ordinal = column.ordinals()[depth];
            if (holder.isNullAt(ordinal)) {
                return null;
            }
            holder = holder.getStruct(ordinal, column.widths()[depth]);
        }
        int leaf = column.ordinals()[column.ordinals().length - 1];
        if (holder.isNullAt(leaf)) {
            return null;
        }
        return column.kind() == Kind.STRING ? holder.getUTF8String(leaf).toString() : Long.toString(integer(holder, leaf, column.kind()));
    }

    /** An integer of the column's own width: rows store each width in its own way. */
    private static long integer(SpecializedGetters holder, int ordinal, Kind kind) {
        return switch (kind) {
            case INT8 -> holder.getByte(ordinal);
            case INT16 -> holder.getShort(ordinal);
            case INT32 -> holder.getInt(ordinal);
            default -> holder.getLong(ordinal);
        };
    }

    /** Finds the column of {@code name}: a top-level column of that exact name, else a dotted path into structs. */
    private static Column resolve(String name, FieldSpec spec, StructType schema) {
        List<String> path = List.of(name);
        if (schema.getFieldIndex(name).isEmpty() && name.contains(".")) {
            path = List.of(name.split("\\."));
        }
        int[] ordinals = new int[path.size()];
        int[] widths = new int[path.size()];
        StructType struct = schema;
        DataType type = null;
        for (int depth = 0; depth < path.size(); depth++) {
            String part = path.get(depth);
            scala.Option<Object> index = struct.getFieldIndex(part);
            if (index.isEmpty()) {
                throw new IllegalArgumentException("'" + name + "' has no column: " + (depth == 0 ? "the DataFrame" : "struct '"
                        + String.join(".", path.subList(0, depth)) + "'") + " has no field '" + part + "'");
            }
            ordinals[depth] = (Integer) index.get();
            widths[depth] = struct.fields().length;
            StructField field = struct.fields()[ordinals[depth]];
            type = field.dataType();
            if (depth < path.size() - 1) {
                if (!(type instanceof StructType nested)) {
                    throw new IllegalArgumentException("'" + name + "': column '" + String.join(".", path.subList(0, depth + 1)) + "' is "
                            + type.simpleString() + ", not a struct");
                }
                struct = nested;
            }
        }
        boolean array = false;
        if (type instanceof ArrayType arrayType) {
            array = true;
            type = arrayType.elementType();
        }
        Kind kind = kind(type);
        if (kind == null) {
            throw new IllegalArgumentException("'" + name + "': column '" + String.join(".", path) + "' is " + (array ? "array<" : "")
                    + type.simpleString() + (array ? ">" : "") + ", which no field type takes"
                    + (spec == null ? "" : " (" + spec.type().json() + ": " + accepted(spec.type()) + ")"));
        }
        int precision = type instanceof DecimalType decimal ? decimal.precision() : 0;
        int scale = type instanceof DecimalType decimal ? decimal.scale() : 0;
        return new Column(name, spec == null ? null : spec.type(), spec != null && spec.stored(), spec == null ? null : spec.analyzer(),
                String.join(".", path), ordinals, widths, array, kind, precision, scale);
    }

    private static Kind kind(DataType type) {
        return switch (type) {
            case StringType t -> Kind.STRING; // CharType and VarcharType too: they extend it
            case LongType t -> Kind.INT64;
            case IntegerType t -> Kind.INT32;
            case ShortType t -> Kind.INT16;
            case ByteType t -> Kind.INT8;
            case DoubleType t -> Kind.FLOAT64;
            case FloatType t -> Kind.FLOAT32;
            case DecimalType t -> Kind.DECIMAL;
            case DateType t -> Kind.DATE;
            case TimestampType t -> Kind.TIMESTAMP;
            case TimestampNTZType t -> Kind.TIMESTAMP;
            default -> null;
        };
    }

    private static boolean converts(Kind kind, int scale, FieldType target) {
        return switch (target) {
            case TEXT, KEYWORD -> kind == Kind.STRING;
            case LONG -> kind.integral() || kind == Kind.DATE || kind == Kind.TIMESTAMP || (kind == Kind.DECIMAL && scale == 0);
            case DOUBLE -> kind.integral() || kind == Kind.FLOAT32 || kind == Kind.FLOAT64 || kind == Kind.DECIMAL;
        };
    }

    private static String accepted(FieldType type) {
        return switch (type) {
            case TEXT, KEYWORD -> "it takes string, char or varchar";
            case LONG -> "it takes the integers, decimal with scale 0, date and timestamp";
            case DOUBLE -> "it takes the integers, float, double and decimal";
        };
    }

    private static String typeName(StructType schema, String name) {
        try {
            StructType struct = schema;
            List<String> path = schema.getFieldIndex(name).isDefined() || !name.contains(".") ? List.of(name) : List.of(name.split("\\."));
            DataType type = null;
            for (String part : path) {
                type = struct.fields()[(Integer) struct.getFieldIndex(part).get()].dataType();
                if (type instanceof StructType nested) {
                    struct = nested;
                }
            }
            return type.simpleString();
        } catch (RuntimeException e) {
            return "of an unknown type";
        }
    }
}
