package dev.ftindex.search;

import dev.ftindex.format.IndexSpec.FieldSpec;
import dev.ftindex.format.IndexSpec.FieldType;
import dev.ftindex.format.IndexSpec;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.LabelAndValue;
import org.apache.lucene.facet.LongValueFacetCounts;
import org.apache.lucene.facet.MultiDoubleValuesSource;
import org.apache.lucene.facet.MultiLongValuesSource;
import org.apache.lucene.facet.StringDocValuesReaderState;
import org.apache.lucene.facet.StringValueFacetCounts;
import org.apache.lucene.facet.range.DoubleRange;
import org.apache.lucene.facet.range.DoubleRangeFacetCounts;
import org.apache.lucene.facet.range.LongRange;
import org.apache.lucene.facet.range.LongRangeFacetCounts;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.NumericUtils;

/**
 * Counting facets, and merging counts: the one place a facet's numbers come from, for every path.
 *
 * <p>Values and ranges are counted by Lucene's {@code lucene-facet} module over the doc values the
 * workers write ({@code StringValueFacetCounts} for keyword fields, {@code LongValueFacetCounts},
 * {@code LongRangeFacetCounts}, {@code DoubleRangeFacetCounts}); a histogram, which the module does
 * not have, by one pass over the matching documents' values. Each index (a server's generation, a
 * shard's partitions) gives its {@linkplain #count full counts}: every value it holds, every range,
 * every histogram bucket; full counts are {@linkplain #merge summed}, exactly, and only then cut
 * to the top values ({@link #finish}), so a router's facets are one server's. A facet whose
 * values outnumber {@code maxValues} is refused in every path (a 400 naming the limit): one server
 * refuses when the whole generation holds more, and so does a router, whose shards each refuse
 * when they alone do and which sums the rest before it checks.
 */
public final class FacetCounts {
    /** The most distinct values (or histogram buckets) a facet may count. */
    public static final int MAX_VALUES = 65_536;

    private FacetCounts() {}

    /**
     * Every value, range and bucket of each facet over the documents {@code hits} collected.
     *
     * @param states the per-reader state of keyword fields (an ordinal map), made once per field and reader
     * @throws QuerySyntaxException if a facet's field cannot be counted that way
     */
    public static List<FacetResult> count(List<FacetRequest> facets, IndexSpec spec, FacetsCollector hits,
                                   Function<String, StringDocValuesReaderState> states) throws IOException {
        List<FacetResult> results = new ArrayList<>(facets.size());
        for (FacetRequest facet : facets) {
            FieldType type = type(facet, spec);
            results.add(switch (facet.kind()) {
                case VALUES -> values(facet, type, hits, states);
                case RANGES -> ranges(facet, type, hits);
                case HISTOGRAM -> histogram(facet, type, hits);
            });
        }
        return results;
    }

    private static FieldType type(FacetRequest facet, IndexSpec spec) {
        FieldSpec field = spec.fields().get(facet.field());
        if (field == null) {
            throw QuerySyntaxException.of("facet '" + facet.describe() + "'", "'" + facet.field() + "' is not a field of the index");
        }
        boolean numeric = field.type() == FieldType.LONG || field.type() == FieldType.DOUBLE;
        String refusal = switch (facet.kind()) {
            case VALUES -> field.type() == FieldType.KEYWORD || field.type() == FieldType.LONG ? null
                    : field.type() == FieldType.DOUBLE ? "a double field's values are counted in ranges or an interval (" + facet.field()
                            + ":interval=10)" : "a text field has no values to count (facet a keyword, long or double field)";
            case RANGES, HISTOGRAM -> numeric ? null : "ranges and intervals count numbers: '" + facet.field() + "' is "
                    + field.type().json();
        };
        if (refusal != null) {
            throw QuerySyntaxException.of("facet '" + facet.describe() + "'", refusal);
        }
        if (field.type() == FieldType.LONG && facet.kind() != FacetRequest.Kind.VALUES && !integral(facet)) {
            throw QuerySyntaxException.of("facet '" + facet.describe() + "'", "'" + facet.field() + "' is long: give whole numbers");
        }
        return field.type();
    }

    private static boolean integral(FacetRequest facet) {
        List<BigDecimal> numbers = new ArrayList<>();
        if (facet.interval() != null) {
            numbers.add(facet.interval());
        }
        if (facet.ranges() != null) {
            facet.ranges().forEach(range -> {
                if (range.from() != null) {
                    numbers.add(range.from());
                }
                if (range.to() != null) {
                    numbers.add(range.to());
                }
            });
        }
        return numbers.stream().allMatch(number -> number.stripTrailingZeros().scale() <= 0);
    }

    private static FacetResult values(FacetRequest facet, FieldType type, FacetsCollector hits,
                                      Function<String, StringDocValuesReaderState> states) throws IOException {
        List<FacetResult.Bucket> buckets = new ArrayList<>();
        if (type == FieldType.KEYWORD) {
            StringDocValuesReaderState state = states.apply(facet.field());
            if (state != null) {
                org.apache.lucene.facet.FacetResult all = new StringValueFacetCounts(state, hits).getAllChildren(facet.field());
                for (LabelAndValue value : all.labelValues) {
                    buckets.add(new FacetResult.Bucket(value.label, null, null, value.value.longValue()));
                }
            }
        } else {
            org.apache.lucene.facet.FacetResult all = new LongValueFacetCounts(facet.field(),
                    MultiLongValuesSource.fromLongField(facet.field()), hits).getAllChildren(facet.field());
            for (LabelAndValue value : all.labelValues) {
                buckets.add(new FacetResult.Bucket(Long.parseLong(value.label), null, null, value.value.longValue()));
            }
        }
        checkWidth(facet, buckets.size());
        buckets.sort(Comparator.comparing(FacetResult.Bucket::value, valueOrder()));
        return new FacetResult(facet.field(), facet.kind(), (long) buckets.size(), buckets);
    }

    private static FacetResult ranges(FacetRequest facet, FieldType type, FacetsCollector hits) throws IOException {
        List<FacetRequest.Range> ranges = facet.ranges();
        LabelAndValue[] counted;
        if (type == FieldType.LONG) {
            LongRange[] lucene = new LongRange[ranges.size()];
            for (int i = 0; i < lucene.length; i++) {
                FacetRequest.Range range = ranges.get(i);
                lucene[i] = new LongRange(String.valueOf(i), range.from() == null ? Long.MIN_VALUE : range.from().longValueExact(), true,
                        range.to() == null ? Long.MAX_VALUE : range.to().longValueExact(), range.to() == null);
            }
            counted = new LongRangeFacetCounts(facet.field(), MultiLongValuesSource.fromLongField(facet.field()), hits, lucene)
                    .getAllChildren(facet.field()).labelValues;
        } else {
            DoubleRange[] lucene = new DoubleRange[ranges.size()];
            for (int i = 0; i < lucene.length; i++) {
                FacetRequest.Range range = ranges.get(i);
                lucene[i] = new DoubleRange(String.valueOf(i), range.from() == null ? Double.NEGATIVE_INFINITY : range.from().doubleValue(), true,
                        range.to() == null ? Double.POSITIVE_INFINITY : range.to().doubleValue(), range.to() == null);
            }
            counted = new DoubleRangeFacetCounts(facet.field(), MultiDoubleValuesSource.fromDoubleField(facet.field()), hits, lucene)
                    .getAllChildren(facet.field()).labelValues;
        }
        long[] counts = new long[ranges.size()];
        for (LabelAndValue value : counted) {
            counts[Integer.parseInt(value.label)] = value.value.longValue();
        }
        List<FacetResult.Bucket> buckets = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            buckets.add(new FacetResult.Bucket(null, ranges.get(i).from(), ranges.get(i).to(), counts[i]));
        }
        return new FacetResult(facet.field(), facet.kind(), null, buckets);
    }

    /** Buckets {@code [i * interval, (i + 1) * interval)}: a document counts once in each bucket one of its values falls in. */
    private static FacetResult histogram(FacetRequest facet, FieldType type, FacetsCollector hits) throws IOException {
        TreeMap<Long, Long> counts = new TreeMap<>();
        long longInterval = type == FieldType.LONG ? facet.interval().longValueExact() : 0;
        double doubleInterval = facet.interval().doubleValue();
        Set<Long> ofDocument = new HashSet<>();
        for (FacetsCollector.MatchingDocs matching : hits.getMatchingDocs()) {
            if (matching.bits() == null) {
                continue;
            }
            SortedNumericDocValues values = DocValues.getSortedNumeric(matching.context().reader(), facet.field());
            DocIdSetIterator docs = matching.bits().iterator();
            if (docs == null) {
                continue;
            }
            for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
                if (!values.advanceExact(doc)) {
                    continue;
                }
                ofDocument.clear();
                for (int i = 0; i < values.docValueCount(); i++) {
                    long value = values.nextValue();
                    ofDocument.add(type == FieldType.LONG ? Math.floorDiv(value, longInterval)
                            : (long) Math.floor(NumericUtils.sortableLongToDouble(value) / doubleInterval));
                }
                for (long bucket : ofDocument) {
                    counts.merge(bucket, 1L, Long::sum);
                }
            }
            checkWidth(facet, counts.size());
        }
        List<FacetResult.Bucket> buckets = new ArrayList<>(counts.size());
        counts.forEach((bucket, count) -> buckets.add(new FacetResult.Bucket(null, BigDecimal.valueOf(bucket).multiply(facet.interval()),
                BigDecimal.valueOf(bucket + 1).multiply(facet.interval()), count)));
        return new FacetResult(facet.field(), facet.kind(), null, buckets);
    }

    private static void checkWidth(FacetRequest facet, int values) {
        if (values > MAX_VALUES) {
            throw new QueryLimitException(QueryLimitException.Limit.FACET_VALUES, String.format(Locale.ROOT,
                    "facet %s counts more than %,d %s: facet a field with fewer values, or count it in ranges", facet.describe(), MAX_VALUES,
                    facet.kind() == FacetRequest.Kind.HISTOGRAM ? "buckets (widen the interval)" : "distinct values"));
        }
    }

    /**
     * The full counts of several indexes (a router's shards) summed: values and histogram buckets by
     * value, ranges by position. The merged counts are an index's own counts of all of them.
     */
    public static List<FacetResult> merge(List<FacetRequest> facets, List<List<FacetResult>> parts) {
        List<FacetResult> merged = new ArrayList<>(facets.size());
        for (int f = 0; f < facets.size(); f++) {
            FacetRequest facet = facets.get(f);
            // Values by value, histogram buckets by their start, ranges by their place in the request.
            Map<Object, FacetResult.Bucket> byKey = switch (facet.kind()) {
                case VALUES -> new TreeMap<>(valueOrder());
                case HISTOGRAM -> new TreeMap<>(Comparator.comparing(key -> (BigDecimal) key));
                case RANGES -> new LinkedHashMap<>();
            };
            for (List<FacetResult> part : parts) {
                List<FacetResult.Bucket> counted = part.get(f).buckets();
                for (int i = 0; i < counted.size(); i++) {
                    FacetResult.Bucket bucket = counted.get(i);
                    Object key = switch (facet.kind()) {
                        case VALUES -> canonical(bucket.value());
                        case HISTOGRAM -> bucket.from();
                        case RANGES -> i;
                    };
                    byKey.merge(key, new FacetResult.Bucket(canonical(bucket.value()), bucket.from(), bucket.to(), bucket.count()),
                            (a, b) -> new FacetResult.Bucket(a.value(), a.from(), a.to(), a.count() + b.count()));
                }
            }
            checkWidth(facet, byKey.size());
            merged.add(new FacetResult(facet.field(), facet.kind(), facet.kind() == FacetRequest.Kind.VALUES ? (long) byKey.size() : null,
                    List.copyOf(byKey.values())));
        }
        return merged;
    }

    /** What a search returns of full counts: the top values (by count, ties by value); ranges and histograms whole. */
    public static List<FacetResult> finish(List<FacetRequest> facets, List<FacetResult> full) {
        List<FacetResult> finished = new ArrayList<>(facets.size());
        for (int f = 0; f < facets.size(); f++) {
            FacetRequest facet = facets.get(f);
            FacetResult counted = full.get(f);
            if (facet.kind() != FacetRequest.Kind.VALUES) {
                finished.add(counted);
                continue;
            }
            List<FacetResult.Bucket> top = counted.buckets().stream()
                    .sorted(Comparator.comparingLong(FacetResult.Bucket::count).reversed().thenComparing(FacetResult.Bucket::value, valueOrder()))
                    .limit(facet.top()).toList();
            finished.add(new FacetResult(counted.field(), counted.kind(), counted.values(), top));
        }
        return finished;
    }

    /** A long value as a {@code Long} whatever number type JSON gave it; a string as it is. */
    private static Object canonical(Object value) {
        return value instanceof Number number ? (Object) number.longValue() : value;
    }

    /** Values in their field's order: numbers numerically, strings by their UTF-8 bytes (Lucene's term order). */
    private static Comparator<Object> valueOrder() {
        return (a, b) -> {
            if (a instanceof Number x && b instanceof Number y) {
                return Long.compare(x.longValue(), y.longValue());
            }
            return SortOrder.idBytes(String.valueOf(a)).compareTo(SortOrder.idBytes(String.valueOf(b)));
        };
    }

}
