package dev.ftindex.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as people write them on a command line: {@code 4096}, {@code 64KiB}, {@code 512MB}, {@code 4GiB}, {@code 2g}; K, M, G and T are powers of 1024. */
final class ByteCounts {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?");

    private ByteCounts() {}

    static long parse(String option, String text) {
        Matcher matcher = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new UsageException(option + " must be a size such as 65536, 64KiB, 512MiB or 4GiB, not '" + text + "'");
        }
        int shift = switch (matcher.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long amount = Long.parseLong(matcher.group(1));
        if (amount > (Long.MAX_VALUE >> shift)) {
            throw new UsageException(option + " is too large: '" + text + "'");
        }
        return amount << shift;
    }
}
