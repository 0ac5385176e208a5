package dev.ftindex.format;

import dev.ftindex.format.IndexSpec.FieldSpec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.util.BytesRef;

/**
 * How one value of a declared field, or a record's id, becomes part of a Lucene document: the
 * one place for every input (JSON Lines, Parquet, Spark rows), so that the same record gives the
 * same document, and the same scores, whatever it was read from.
 */
public final class DocumentFields {
    /** The longest id accepted, in characters. */
    public static final int MAX_ID_LENGTH = 4096;

    private DocumentFields() {}

    /** A text or keyword field's value. */
    public static void addString(Document document, String name, FieldSpec field, String value) {
        Field.Store store = field.stored() ? Field.Store.YES : Field.Store.NO;
        switch (field.type()) {
            case TEXT -> document.add(new TextField(name, value, store));
            case KEYWORD -> document.add(new KeywordField(name, value, store));
            default -> throw new IllegalArgumentException("field '" + name + "' is " + field.type().json() + ", not a string field");
        }
    }

    /** A long field's value, or a double field's from an integer. */
    public static void addLong(Document document, String name, FieldSpec field, long value) {
        Field.Store store = field.stored() ? Field.Store.YES : Field.Store.NO;
        switch (field.type()) {
            case LONG -> document.add(new LongField(name, value, store));
            case DOUBLE -> document.add(new DoubleField(name, (double) value, store));
            default -> throw new IllegalArgumentException("field '" + name + "' is " + field.type().json() + ", not a number field");
        }
    }

    /** A double field's value. */
    public static void addDouble(Document document, String name, FieldSpec field, double value) throws BadRecordException {
        if (field.type() != IndexSpec.FieldType.DOUBLE) {
            throw new IllegalArgumentException("field '" + name + "' is " + field.type().json() + ", not a double field");
        }
        if (!Double.isFinite(value)) {
            throw new BadRecordException("field '" + name + "': " + value + " is out of range for a double");
        }
        document.add(new DoubleField(name, value, field.stored() ? Field.Store.YES : Field.Store.NO));
    }

    /**
     * The record's id: one exact token, stored, and sorted doc values (they break score ties, so
     * results are deterministic).
     *
     * @throws BadRecordException if the id is empty or longer than {@value #MAX_ID_LENGTH} characters
     */
    public static void addId(Document document, String idField, String id) throws BadRecordException {
        if (id.isEmpty()) {
            throw new BadRecordException("id field '" + idField + "' is empty");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new BadRecordException("id field '" + idField + "' is longer than " + MAX_ID_LENGTH + " characters");
        }
        document.add(new StringField(idField, id, Field.Store.YES));
        document.add(new SortedDocValuesField(idField, new BytesRef(id)));
    }
}
