package dev.ftindex.bench;

import java.util.Arrays;
import java.util.List;

/** Medians and percentiles of measured samples. */
final class Stats {
    private Stats() {}

    static double median(List<Double> samples) {
        return percentile(samples, 50);
    }

    /** Element-wise {@code a[i] / b[i]} of paired samples. */
    static List<Double> ratios(List<Double> a, List<Double> b) {
        List<Double> ratios = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            ratios.add(a.get(i) / b.get(i));
        }
        return ratios;
    }

    /** Nearest-rank percentile. */
    static double percentile(List<Double> samples, double percent) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
