package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ftindex.format.WireEnum;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * One facet a search counts over every document it matches (the filters applied, not only the
 * page): the top values of a field, its counts in given ranges, or a histogram of a number field.
 *
 * <p>Syntax (HTTP {@code facet=}, CLI {@code --facet}):
 * <ul>
 *   <li>{@code source}, {@code source:top=20}: the field's values with the most matching documents
 *       (default 10), ties by value; keyword and long fields.
 *   <li>{@code year:ranges=..1900,1900..1950,1950..}: a count for each half-open range
 *       {@code [from, to)}, in the order given; either end may be left open; long and double fields.
 *   <li>{@code year:interval=10}: a histogram, a count for each {@code [i * 10, (i + 1) * 10)} that
 *       holds a value, ascending; long and double fields.
 * </ul>
 * A document counts once in each value, range or bucket one of its values falls in.
 *
 * @param top for {@link Kind#VALUES}, how many values
 * @param ranges for {@link Kind#RANGES}, the ranges in order
 * @param interval for {@link Kind#HISTOGRAM}, the width of a bucket
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FacetRequest(String field, Kind kind, Integer top, List<Range> ranges, BigDecimal interval) {
    /** The most values a facet may ask for. */
    public static final int MAX_TOP = 1_000;

    /** What is counted. */
    public enum Kind implements WireEnum { VALUES, RANGES, HISTOGRAM }

    /** A half-open range {@code [from, to)}; a null end is open. Decimal, so a long field's bounds stay exact. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Range(BigDecimal from, BigDecimal to) {
        public Range {
            if (from == null && to == null) {
                throw new IllegalArgumentException("a range needs at least one end (.. alone is every value)");
            }
            if (from != null && to != null && from.compareTo(to) >= 0) {
                throw new IllegalArgumentException("range " + from.toPlainString() + ".." + to.toPlainString() + " is empty: from must be below to");
            }
        }

        /** {@code 1900..1950}, {@code ..1900}, {@code 1950..} */
        public String label() {
            return (from == null ? "" : from.toPlainString()) + ".." + (to == null ? "" : to.toPlainString());
        }
    }

    public FacetRequest {
        requireNonNull(field, "field is null");
        requireNonNull(kind, "kind is null");
        ranges = ranges == null ? null : List.copyOf(ranges);
        switch (kind) {
            case VALUES -> {
                if (top == null || top < 1 || top > MAX_TOP) {
                    throw new IllegalArgumentException("facet " + field + ": top is 1 to " + MAX_TOP + ", not " + top);
                }
            }
            case RANGES -> {
                if (ranges == null || ranges.isEmpty()) {
                    throw new IllegalArgumentException("facet " + field + ": give at least one range");
                }
            }
            case HISTOGRAM -> {
                if (interval == null || interval.signum() <= 0) {
                    throw new IllegalArgumentException("facet " + field + ": the interval must be positive, not " + interval);
                }
            }
        }
    }

    /**
     * Parses one facet as the HTTP and CLI take it.
     *
     * @throws IllegalArgumentException naming what does not parse
     */
    public static FacetRequest parse(String text) {
        String spec = text == null ? "" : text.strip();
        if (spec.isEmpty()) {
            throw new IllegalArgumentException("a facet names a field: facet=source, facet=source:top=20, facet=year:interval=10 or"
                    + " facet=year:ranges=..1900,1900..1950,1950..");
        }
        int colon = spec.indexOf(':');
        String field = colon < 0 ? spec : spec.substring(0, colon).strip();
        if (colon < 0) {
            return new FacetRequest(field, Kind.VALUES, 10, null, null);
        }
        String option = spec.substring(colon + 1).strip();
        int equals = option.indexOf('=');
        String name = equals < 0 ? option : option.substring(0, equals).strip();
        String value = equals < 0 ? "" : option.substring(equals + 1).strip();
        try {
            return switch (name) {
                case "top" -> new FacetRequest(field, Kind.VALUES, Integer.parseInt(value), null, null);
                case "interval" -> new FacetRequest(field, Kind.HISTOGRAM, null, null, new BigDecimal(value));
                case "ranges" -> new FacetRequest(field, Kind.RANGES, null, ranges(field, value), null);
                default -> throw new IllegalArgumentException("facet '" + text + "': the option is top=N, ranges=A..B,... or interval=W,"
                        + " not '" + name + "'");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("facet '" + text + "': '" + value + "' is not a number");
        }
    }

    private static List<Range> ranges(String field, String text) {
        List<Range> ranges = new ArrayList<>();
        for (String part : text.split(",")) {
            String range = part.strip();
            int dots = range.indexOf("..");
            if (dots < 0) {
                throw new IllegalArgumentException("facet " + field + ": a range is FROM..TO (either may be left out), not '" + range + "'");
            }
            String from = range.substring(0, dots).strip();
            String to = range.substring(dots + 2).strip();
            ranges.add(new Range(from.isEmpty() ? null : new BigDecimal(from), to.isEmpty() ? null : new BigDecimal(to)));
        }
        return ranges;
    }

    /** The facet as it was asked for: {@code source:top=10}. */
    public String describe() {
        return switch (kind) {
            case VALUES -> field + ":top=" + top;
            case RANGES -> field + ":ranges=" + String.join(",", ranges.stream().map(Range::label).toList());
            case HISTOGRAM -> field + ":interval=" + interval.toPlainString();
        };
    }
}
