package dev.ftindex.server;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every line
 * is a {@code # HELP}, a {@code # TYPE} or a sample of a declared family, names and labels are
 * well formed, values are numbers, and a family is declared once, before its samples.
 */
final class PrometheusText {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped|info|stateset|gaugehistogram|unknown)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
    private static final Set<String> SUFFIXES = Set.of("", "_total", "_created", "_bucket", "_sum", "_count", "_info");

    private PrometheusText() {}

    record Parsed(Map<String, String> families, int samples) {}

    static Parsed parse(String text) {
        Map<String, String> families = new LinkedHashMap<>();
        int samples = 0;
        int number = 0;
        for (String line : text.split("\n", -1)) {
            number++;
            if (line.isEmpty()) {
                if (number < text.split("\n", -1).length) {
                    throw new AssertionError("line " + number + " is empty");
                }
                continue;
            }
            if (line.startsWith("# HELP ")) {
                require(HELP.matcher(line).matches(), number, line);
            } else if (line.startsWith("# TYPE ")) {
                Matcher type = TYPE.matcher(line);
                require(type.matches(), number, line);
                require(families.put(type.group(1), type.group(2)) == null, number, "declared twice: " + line);
            } else if (line.startsWith("#")) {
                continue;
            } else {
                Matcher sample = SAMPLE.matcher(line);
                require(sample.matches(), number, line);
                require(family(sample.group(1), families) != null, number, "a sample of no declared family: " + line);
                labels(sample.group(3), number, line);
                String value = sample.group(4);
                require(value.equals("+Inf") || value.equals("-Inf") || value.equals("NaN") || isNumber(value), number, line);
                samples++;
            }
        }
        return new Parsed(families, samples);
    }

    /** The value of the sample named {@code name} whose labels include {@code labels}. */
    static double sample(String text, String name, Map<String, String> labels) {
        for (String line : text.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (!line.startsWith("#") && sample.matches() && sample.group(1).equals(name)
                    && labels(sample.group(3), 0, line).entrySet().containsAll(labels.entrySet())) {
                return Double.parseDouble(sample.group(4));
            }
        }
        throw new AssertionError("no sample " + name + labels + " in:\n" + text);
    }

    private static String family(String sample, Map<String, String> families) {
        for (String suffix : SUFFIXES) {
            if (sample.endsWith(suffix) && families.containsKey(sample.substring(0, sample.length() - suffix.length()))) {
                return sample.substring(0, sample.length() - suffix.length());
            }
        }
        return null;
    }

    private static Map<String, String> labels(String text, int number, String line) {
        Map<String, String> labels = new HashMap<>();
        if (text == null || text.isEmpty()) {
            return labels;
        }
        Matcher label = LABEL.matcher(text);
        int end = 0;
        while (label.find() && label.start() == end) {
            labels.put(label.group(1), label.group(2));
            end = label.end();
        }
        require(end == text.length(), number, "malformed labels: " + line);
        return labels;
    }

    private static boolean isNumber(String value) {
        try {
            Double.parseDouble(value);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void require(boolean condition, int number, String line) {
        if (!condition) {
            throw new AssertionError("not Prometheus text at line " + number + ": " + line);
        }
    }
}
