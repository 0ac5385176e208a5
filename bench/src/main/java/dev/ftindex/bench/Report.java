package dev.ftindex.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.Json;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The table the benchmarks fill: one row per figure, with its baseline, ratio and target where it has them. */
final class Report {
    /**
     * @param benchmark which benchmark
     * @param metric what was measured
     * @param ours the ftindex figure (a median unless the metric says otherwise)
     * @param baseline the side-by-side figure it is compared with, or NaN
     * @param target what the ratio (or figure) must meet, or empty
     * @param met whether the target is met; null without a target
     */
    record Row(String benchmark, String metric, double ours, double baseline, double pairedRatio, String unit, String target, Boolean met,
               String note) {
        Row(String benchmark, String metric, double ours, double baseline, String unit, String target, Boolean met, String note) {
            this(benchmark, metric, ours, baseline, Double.NaN, unit, target, met, note);
        }

        /** The median of per-run ratios where runs were paired, else the ratio of the medians. */
        double ratio() {
            if (!Double.isNaN(pairedRatio)) {
                return pairedRatio;
            }
            return Double.isNaN(baseline) || baseline == 0 ? Double.NaN : ours / baseline;
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void add(Row row) {
        rows.add(row);
    }

    void figure(String benchmark, String metric, double value, String unit, String note) {
        rows.add(new Row(benchmark, metric, value, Double.NaN, unit, "", null, note));
    }

    void note(String text) {
        notes.add(text);
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    void print(PrintStream out) {
        String header = String.format(Locale.ROOT, "%-12s %-46s %14s %14s %8s %-14s %s", "benchmark", "metric", "ftindex", "baseline", "ratio",
                "target", "");
        out.println(header);
        out.println("-".repeat(header.length() + 6));
        for (Row row : rows) {
            out.println(String.format(Locale.ROOT, "%-12s %-46s %14s %14s %8s %-14s %s", row.benchmark(), row.metric() + " (" + row.unit() + ")",
                    number(row.ours()), number(row.baseline()), Double.isNaN(row.ratio()) ? "" : String.format(Locale.ROOT, "%.3f", row.ratio()),
                    row.target(), row.met() == null ? row.note() : (row.met() ? "met" : "MISSED") + (row.note().isEmpty() ? "" : "  " + row.note())));
        }
        for (String note : notes) {
            out.println("note: " + note);
        }
    }

    ObjectNode json() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode array = root.putArray("rows");
        for (Row row : rows) {
            ObjectNode node = array.addObject();
            node.put("benchmark", row.benchmark());
            node.put("metric", row.metric());
            node.put("unit", row.unit());
            node.put("ftindex", row.ours());
            if (!Double.isNaN(row.baseline())) {
                node.put("baseline", row.baseline());
                node.put("ratio", row.ratio());
            }
            node.put("target", row.target());
            if (row.met() != null) {
                node.put("met", row.met());
            }
            node.put("note", row.note());
        }
        ArrayNode noteArray = root.putArray("notes");
        notes.forEach(noteArray::add);
        return root;
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "";
        }
        if (Math.abs(value) >= 1_000 || value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
