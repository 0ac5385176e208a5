package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.IndexSpec.FieldSpec;
import dev.ftindex.format.IndexSpec.FieldType;
import dev.ftindex.format.IndexSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.util.BytesRef;

/**
 * The order of a search's hits: keys over the relevance score and the doc values of keyword,
 * long and double fields, always followed by the id (ascending, by its UTF-8 bytes), so the order
 * is total: pages never repeat or skip a hit, and every path (one server, shards merged by a
 * router) gives the same order. The default is relevance: score descending, then id.
 *
 * <p>A document without a value of a sort field comes after every document with one, in both
 * directions (as Elasticsearch's {@code "missing": "_last"}).
 *
 * <p>Each hit carries its {@linkplain #values sort values}: what the router merges by and what a
 * {@link Cursor} resumes after. They are the values Lucene compares, with a missing value as
 * {@code null}.
 *
 * @param keys the keys before the id, in order; empty is not allowed (relevance is {@code _score})
 */
public record SortOrder(List<Key> keys) {
    /** The key name of the relevance score. */
    public static final String SCORE = "_score";
    /** Relevance: score descending, then id. */
    public static final SortOrder RELEVANCE = new SortOrder(List.of(new Key(SCORE, true)));

    /** One key: a field (or {@value #SCORE}) and its direction. */
    public record Key(String field, boolean descending) {
        public Key {
            requireNonNull(field, "field is null");
        }

        @Override
        public String toString() {
            return field + (descending ? ":desc" : ":asc");
        }
    }

    public SortOrder {
        keys = List.copyOf(keys);
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a sort has at least one key");
        }
    }

    /**
     * Parses {@code year:desc,source,_score}: fields separated by commas, each ascending unless
     * followed by {@code :desc} ({@code :asc} may be said); {@value #SCORE} is descending unless
     * {@code :asc}. Blank or null is relevance.
     *
     * @throws IllegalArgumentException naming what does not parse
     */
    public static SortOrder parse(String text) {
        if (text == null || text.isBlank()) {
            return RELEVANCE;
        }
        List<Key> keys = new ArrayList<>();
        for (String part : text.split(",")) {
            String key = part.strip();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("sort '" + text + "' has an empty key");
            }
            int colon = key.lastIndexOf(':');
            String field = colon < 0 ? key : key.substring(0, colon).strip();
            String direction = colon < 0 ? "" : key.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
            boolean descending = switch (direction) {
                case "" -> field.equals(SCORE);
                case "desc" -> true;
                case "asc" -> false;
                default -> throw new IllegalArgumentException("sort key '" + key + "': the direction is asc or desc, not '" + direction + "'");
            };
            if (keys.stream().anyMatch(existing -> existing.field().equals(field))) {
                throw new IllegalArgumentException("sort '" + text + "' names '" + field + "' twice");
            }
            keys.add(new Key(field, descending));
        }
        return new SortOrder(keys);
    }

    /** Whether this is the default order (score descending, then id). */
    public boolean relevance() {
        return equals(RELEVANCE);
    }

    /** Whether a key is the score: hits then need their scores computed. */
    public boolean byScore() {
        return keys.stream().anyMatch(key -> key.field().equals(SCORE));
    }

    /** {@code year:desc,source:asc} */
    public String describe() {
        return String.join(",", keys.stream().map(Key::toString).toList());
    }

    /**
     * Lucene's sort for this order over an index with {@code spec}: each key, then the id.
     *
     * @throws QuerySyntaxException naming a key that is not a sortable field of the spec
     */
    public Sort lucene(IndexSpec spec) {
        List<SortField> fields = new ArrayList<>();
        boolean idLast = true;
        for (Key key : keys) {
            if (key.field().equals(SCORE)) {
                fields.add(key.descending() ? SortField.FIELD_SCORE : new SortField(null, SortField.Type.SCORE, true));
                continue;
            }
            if (key.field().equals(spec.idField())) {
                fields.add(new SortField(spec.idField(), SortField.Type.STRING, key.descending()));
                idLast = false;
                continue;
            }
            FieldSpec field = spec.fields().get(key.field());
            if (field == null) {
                throw QuerySyntaxException.of("sort '" + describe() + "'", "'" + key.field() + "' is not a field of the index (sortable: " + sortable(spec) + ")");
            }
            SortField sortField = switch (field.type()) {
                case KEYWORD -> {
                    SortField keyword = KeywordField.newSortField(key.field(), key.descending(),
                            org.apache.lucene.search.SortedSetSelector.Type.MIN);
                    keyword.setMissingValue(key.descending() ? SortField.STRING_FIRST : SortField.STRING_LAST);
                    yield keyword;
                }
                case LONG -> {
                    SortField number = LongField.newSortField(key.field(), key.descending(), org.apache.lucene.search.SortedNumericSelector.Type.MIN);
                    number.setMissingValue(key.descending() ? Long.MIN_VALUE : Long.MAX_VALUE);
                    yield number;
                }
                case DOUBLE -> {
                    SortField number = DoubleField.newSortField(key.field(), key.descending(),
                            org.apache.lucene.search.SortedNumericSelector.Type.MIN);
                    number.setMissingValue(key.descending() ? -Double.MAX_VALUE : Double.MAX_VALUE);
                    yield number;
                }
                case TEXT -> throw QuerySyntaxException.of("sort '" + describe() + "'", "field '" + key.field() + "' is text: text is not sortable (sortable: "
                        + sortable(spec) + ")");
            };
            fields.add(sortField);
        }
        if (idLast) {
            fields.add(new SortField(spec.idField(), SortField.Type.STRING));
        }
        return new Sort(fields.toArray(SortField[]::new));
    }

    private static String sortable(IndexSpec spec) {
        List<String> names = new ArrayList<>(List.of(SCORE, spec.idField()));
        spec.fields().forEach((name, field) -> {
            if (field.type() != FieldType.TEXT) {
                names.add(name);
            }
        });
        return String.join(", ", names);
    }

    /**
     * A hit's sort values as they travel (between shards and router, and in cursors): per key of
     * {@link #lucene}'s sort, the value Lucene compared: a float for the score, a string for a
     * keyword and the id ({@code null} when a keyword is missing), a long or a double for a number
     * (a missing number is the sentinel Lucene sorted it by: the largest value ascending, the
     * smallest descending).
     */
    public static List<Object> values(FieldDoc hit) {
        List<Object> values = new ArrayList<>(hit.fields.length);
        for (Object value : hit.fields) {
            values.add(value instanceof BytesRef bytes ? bytes.utf8ToString() : value);
        }
        return values;
    }

    /** Sort values as a result shows them: a missing number's sentinel is {@code null}. */
    public List<Object> shown(List<Object> values) {
        List<Object> shown = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            Object value = values.get(i);
            boolean descending = i < keys.size() && keys.get(i).descending();
            boolean missing = value instanceof Long whole && whole == (descending ? Long.MIN_VALUE : Long.MAX_VALUE)
                    || value instanceof Double real && real == (descending ? -Double.MAX_VALUE : Double.MAX_VALUE);
            shown.add(missing ? null : value);
        }
        return shown;
    }

    /**
     * Travelling sort values back as Lucene compares them, for a page that starts after them.
     *
     * @throws IllegalArgumentException if they do not fit the sort
     */
    public static Object[] lucene(List<Object> values, Sort sort) {
        SortField[] fields = sort.getSort();
        if (values.size() != fields.length) {
            throw new IllegalArgumentException("the cursor holds " + values.size() + " sort values, the sort has " + fields.length
                    + ": a cursor resumes the sort it was made by");
        }
        Object[] lucene = new Object[fields.length];
        for (int i = 0; i < fields.length; i++) {
            SortField field = fields[i];
            SortField.Type type = field instanceof org.apache.lucene.search.SortedNumericSortField numeric ? numeric.getNumericType()
                    : field.getType();
            Object value = values.get(i);
            try {
                lucene[i] = switch (type) {
                    case SCORE -> ((Number) value).floatValue();
                    case LONG -> integral(value) ? ((Number) value).longValue() : Long.parseLong(String.valueOf(value));
                    case DOUBLE -> ((Number) value).doubleValue();
                    case STRING, STRING_VAL -> value == null ? null : new BytesRef(String.valueOf(value));
                    default -> throw new IllegalArgumentException("cannot resume a sort on " + field);
                };
            } catch (ClassCastException | NullPointerException | NumberFormatException e) {
                throw new IllegalArgumentException("the cursor's value " + value + " does not fit the sort key "
                        + (field.getField() == null ? SCORE : field.getField()));
            }
        }
        return lucene;
    }

    private static boolean integral(Object value) {
        return value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof java.math.BigInteger;
    }

    /**
     * How two hits' travelling {@linkplain #values sort values} compare, exactly as Lucene orders
     * them under {@link #lucene}'s sort: each key in its direction (the score descending unless
     * asked ascending; a missing keyword after every value; numbers by value, a missing one by its
     * sentinel), then the id. What a router, which has no spec, merges the shards' hits by.
     */
    public Comparator<List<Object>> comparator() {
        // One value a Lucene sort field: the keys', then the id's when no key is the id (ascending: no key).
        return (a, b) -> {
            for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                int order = compare(i < keys.size() ? keys.get(i) : null, a.get(i), b.get(i));
                if (order != 0) {
                    return order;
                }
            }
            return Integer.compare(a.size(), b.size());
        };
    }

    private static int compare(Key key, Object a, Object b) {
        if (key != null && key.field().equals(SCORE)) {
            int order = Float.compare(((Number) b).floatValue(), ((Number) a).floatValue());
            return key.descending() ? order : -order;
        }
        int order;
        if (a == null || b == null) {
            // A missing keyword comes last in both directions.
            return a == b ? 0 : a == null ? 1 : -1;
        } else if (a instanceof Number x && b instanceof Number y) {
            order = integral(x) && integral(y) ? Long.compare(x.longValue(), y.longValue()) : Double.compare(x.doubleValue(), y.doubleValue());
        } else {
            order = idBytes(String.valueOf(a)).compareTo(idBytes(String.valueOf(b)));
        }
        return key != null && key.descending() ? -order : order;
    }

    /** An id's place in the order of ids: its UTF-8 bytes, as Lucene compares the id's doc values. */
    static BytesRef idBytes(String id) {
        return new BytesRef(id.getBytes(StandardCharsets.UTF_8));
    }
}
