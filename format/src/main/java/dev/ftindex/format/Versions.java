package dev.ftindex.format;

/** Checks the format name and version every stored document starts with. */
final class Versions {
    private Versions() {}

    static void check(String expectedFormat, int supportedVersion, String format, int version) {
        if (!expectedFormat.equals(format)) {
            throw new IllegalArgumentException("not a " + expectedFormat + " document (format is " + format + ")");
        }
        if (version < 1 || version > supportedVersion) {
            throw new IllegalArgumentException(expectedFormat + " version " + version
                    + " is not supported; this ftindex reads version " + supportedVersion + (version > supportedVersion ? " (upgrade ftindex)" : ""));
        }
    }
}
