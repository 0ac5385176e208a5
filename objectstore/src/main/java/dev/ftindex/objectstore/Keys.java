package dev.ftindex.objectstore;

/** Rules for object keys, shared by every store so that a key valid on one is valid on all. */
public final class Keys {
    /** Name prefix of the local store's in-progress files; no key segment may start with it. */
    static final String TEMP_PREFIX = ".ftindex-tmp-";

    private static final int MAX_KEY_BYTES = 1024;

    private Keys() {}

    /**
     * Returns {@code key} if it is a valid object key.
     *
     * @throws IllegalArgumentException naming the key and the rule it breaks
     */
    public static String validate(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("object key is empty");
        }
        if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("object key is longer than " + MAX_KEY_BYTES + " bytes: " + key);
        }
        if (key.startsWith("/")) {
            throw new IllegalArgumentException("object key must not start with '/': " + key);
        }
        if (key.endsWith("/")) {
            throw new IllegalArgumentException("object key must not end with '/': " + key);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\' || c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("object key contains a forbidden character at " + i + ": " + key);
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("object key has an empty, '.' or '..' segment: " + key);
            }
            if (segment.startsWith(TEMP_PREFIX)) {
                throw new IllegalArgumentException("object key segment must not start with " + TEMP_PREFIX + ": " + key);
            }
        }
        return key;
    }

    /** Returns {@code prefix} if it is a valid listing prefix (empty, or a key start). */
    public static String validatePrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("prefix is null");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        if (prefix.startsWith("/") || prefix.contains("//") || prefix.contains("\\")) {
            throw new IllegalArgumentException("invalid listing prefix: " + prefix);
        }
        return prefix;
    }
}
