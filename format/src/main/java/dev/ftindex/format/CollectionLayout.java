package dev.ftindex.format;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keys of a collection: generations, each a complete index root, and the alias that says which
 * one readers use.
 *
 * <pre>
 *   alias/&lt;version&gt;.json           the alias, one create-only object per version (20 digits);
 *                                  the highest version is current
 *   generations/&lt;id&gt;/...           one index root per generation (staging/, part_&lt;n&gt;/, metadata.lance)
 *   gc/&lt;id&gt;.json                 markers of ftindex 0.1's gc protocol: no longer written or read;
 *                                  gc removes those of generations that are gone
 * </pre>
 *
 * <p>Which generations gc is deleting is recorded in the alias itself
 * ({@link AliasVersion#condemned()}), so that claiming them and publishing are ordered by the one
 * create-only sequence of alias versions.
 */
public final class CollectionLayout {
    public static final String ALIAS_PREFIX = "alias/";
    public static final String GENERATIONS = "generations/";
    /** Where ftindex 0.1's gc wrote its markers ({@code gc/<id>.json}); removed by gc once their generation is gone. */
    public static final String LEGACY_GC_PREFIX = "gc/";

    private static final Pattern ALIAS_VERSION = Pattern.compile("alias/(\\d{20})\\.json");
    private static final Pattern GENERATION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private CollectionLayout() {}

    /** The key of alias version {@code version} (from 1). */
    public static String aliasKey(long version) {
        if (version < 1) {
            throw new IllegalArgumentException("alias versions count from 1: " + version);
        }
        return ALIAS_PREFIX + String.format("%020d", version) + ".json";
    }

    /** The version of an alias key, or empty if the key is not one. */
    public static Optional<Long> aliasVersion(String key) {
        Matcher matcher = ALIAS_VERSION.matcher(key);
        return matcher.matches() ? Optional.of(Long.parseLong(matcher.group(1))) : Optional.empty();
    }

    /** The generation a legacy gc marker key names, or empty if the key is not one. */
    public static Optional<String> legacyGcMarkerGeneration(String key) {
        if (!key.startsWith(LEGACY_GC_PREFIX) || !key.endsWith(".json")) {
            return Optional.empty();
        }
        String name = key.substring(LEGACY_GC_PREFIX.length(), key.length() - ".json".length());
        return isGeneration(name) ? Optional.of(name) : Optional.empty();
    }

    /** The prefix of a generation's index root: {@code generations/<id>/}. */
    public static String generationPrefix(String generation) {
        return GENERATIONS + checkGeneration(generation) + "/";
    }

    /** Whether {@code name} is a generation id (anything else under {@code generations/} is not a generation, and left alone). */
    public static boolean isGeneration(String name) {
        return name != null && GENERATION.matcher(name).matches();
    }

    /**
     * Returns {@code generation} if it is a generation id: 1 to 64 letters, digits, '.', '_' and
     * '-', starting with a letter or digit. It becomes a key segment and a cache directory name.
     */
    public static String checkGeneration(String generation) {
        if (generation == null || !GENERATION.matcher(generation).matches()) {
            throw new IllegalArgumentException("generation '" + generation + "' is not 1 to 64 letters, digits, '.', '_' and '-'"
                    + " starting with a letter or digit");
        }
        return generation;
    }
}
