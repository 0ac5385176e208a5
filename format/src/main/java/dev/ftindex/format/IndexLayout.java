package dev.ftindex.format;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keys of one index root:
 *
 * <pre>
 *   staging/part_&lt;pid&gt;/attempt_&lt;aid&gt;/&lt;lucene files&gt;   immutable; one worker attempt
 *   staging/part_&lt;pid&gt;.json                         partition manifest, create-only, written last
 *   staging/_plan.json                                finalize plan, create-only
 *   part_&lt;n&gt;/&lt;lucene files&gt;                           committed copies, n = 0..N-1
 *   metadata.lance                                    commit marker, written last
 * </pre>
 */
public final class IndexLayout {
    public static final String METADATA = "metadata.lance";
    public static final String STAGING = "staging/";
    public static final String PLAN = STAGING + "_plan.json";
    /** Which write owns the staging (a Spark write): see {@link WriteMarker}. */
    public static final String WRITE_MARKER = STAGING + "_write.json";
    public static final String MANIFEST_PREFIX = STAGING + "part_";

    private static final Pattern MANIFEST = Pattern.compile("staging/part_(\\d{1,18})\\.json");
    private static final Pattern ATTEMPT_FILE = Pattern.compile("staging/part_(\\d{1,18})/attempt_([A-Za-z0-9-]+)/([^/]+)");
    private static final Pattern ATTEMPT_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,255}");
    private static final Pattern FINAL_FILE = Pattern.compile("part_(\\d{1,9})/([^/]+)");
    private static final Pattern INDEX_ID = Pattern.compile("[0-9a-f]{32}");

    private IndexLayout() {}

    public static String manifestKey(long partition) {
        return MANIFEST_PREFIX + checkPartition(partition) + ".json";
    }

    public static String attemptPrefix(long partition, String attempt) {
        return STAGING + "part_" + checkPartition(partition) + "/attempt_" + checkAttempt(attempt) + "/";
    }

    public static String stagedFileKey(long partition, String attempt, String file) {
        return attemptPrefix(partition, attempt) + checkFileName(file);
    }

    public static String finalPrefix(int n) {
        return "part_" + checkPartitionNumber(n) + "/";
    }

    /** Returns the dense final partition number {@code n} if it is not negative. */
    public static int checkPartitionNumber(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("partition number n is negative: " + n);
        }
        return n;
    }

    public static String finalFileKey(int n, String file) {
        return finalPrefix(n) + checkFileName(file);
    }

    /** The partition id of a manifest key, or empty if the key is not a manifest. */
    public static Optional<Long> manifestPartition(String key) {
        Matcher matcher = MANIFEST.matcher(key);
        return matcher.matches() ? Optional.of(Long.parseLong(matcher.group(1))) : Optional.empty();
    }

    /** A staged file's partition and attempt, or empty if the key is not a staged file. */
    public static Optional<StagedFile> stagedFile(String key) {
        Matcher matcher = ATTEMPT_FILE.matcher(key);
        return matcher.matches()
                ? Optional.of(new StagedFile(Long.parseLong(matcher.group(1)), matcher.group(2), matcher.group(3)))
                : Optional.empty();
    }

    public record StagedFile(long partition, String attempt, String file) {}

    public static long checkPartition(long partition) {
        if (partition < 0 || partition > 999_999_999_999_999_999L) {
            throw new IllegalArgumentException("partition id must be a non-negative integer: " + partition);
        }
        return partition;
    }

    public static String checkAttempt(String attempt) {
        if (attempt == null || !ATTEMPT_ID.matcher(attempt).matches()) {
            throw new IllegalArgumentException("attempt id '" + attempt + "' is not 1 to 64 letters, digits and '-'");
        }
        return attempt;
    }

    /**
     * Returns {@code indexId} if it has the form the plan gives it (32 lowercase hex digits).
     * Readers use it as a directory name, so a crafted one must never get further than this.
     */
    public static String checkIndexId(String indexId) {
        if (indexId == null || !INDEX_ID.matcher(indexId).matches()) {
            throw new IllegalArgumentException("indexId '" + indexId + "' is not an index id (32 lowercase hex digits)");
        }
        return indexId;
    }

    /** Returns {@code key} if it is {@code part_<n>/<file name>}, the only form a committed file's key has. */
    public static String checkFinalFileKey(String key) {
        Matcher matcher = key == null ? null : FINAL_FILE.matcher(key);
        if (matcher == null || !matcher.matches()) {
            throw new IllegalArgumentException("committed file key '" + key + "' is not part_<n>/<file name>:"
                    + " a committed file cannot be under staging/ or outside the partition directories");
        }
        checkFileName(matcher.group(2));
        return key;
    }

    public static String checkFileName(String file) {
        if (file == null || !FILE_NAME.matcher(file).matches() || file.equals(".") || file.equals("..")) {
            throw new IllegalArgumentException("file name '" + file + "' is not 1 to 255 letters, digits, '_', '.' and '-'");
        }
        return file;
    }
}
