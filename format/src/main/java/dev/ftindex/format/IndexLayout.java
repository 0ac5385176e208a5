package dev.ftindex.format;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keys of one index root:
 *
 * <pre>
 *   staging/part_&lt;pid&gt;/attempt_&lt;aid&gt;/&lt;lucene files&gt;   immutable; one worker attempt
 *   staging/part_&lt;pid&gt;/checkpoints/attempt_&lt;aid&gt;/&lt;lucene files&gt;            a worker's checkpointed
 *   staging/part_&lt;pid&gt;/checkpoints/attempt_&lt;aid&gt;/checkpoint_&lt;seq&gt;.json     segments and their records
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
    private static final Pattern CHECKPOINT_RECORD = Pattern.compile(
            "staging/part_(\\d{1,18})/checkpoints/attempt_([A-Za-z0-9-]+)/checkpoint_(\\d{6})\\.json");
    private static final Pattern ATTEMPT_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,255}");
    private static final Pattern FINAL_FILE = Pattern.compile("part_(\\d{1,9})/([^/]+)");
    private static final Pattern INDEX_ID = Pattern.compile("[0-9a-f]{32}");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter ATTEMPT_TIME = DateTimeFormatter
            .ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private IndexLayout() {}

    /** A fresh attempt id: UTC time (so ids sort by age) and 40 random bits. */
    public static String newAttemptId() {
        byte[] random = new byte[5];
        RANDOM.nextBytes(random);
        return ATTEMPT_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(random);
    }

    /** Where the deletions of an update (deletes, upserts) are staged: one manifest and attempt per base partition. */
    public static final String DELETES = STAGING + "deletes/";

    /** {@code staging/deletes/part_<n>.json}: the deletion applied to base partition {@code n}, created last, create-only. */
    public static String deletionManifestKey(int basePartition) {
        return DELETES + "part_" + checkPartitionNumber(basePartition) + ".json";
    }

    /** A file of attempt {@code attempt}'s deletion of base partition {@code n}. */
    public static String deletionFileKey(int basePartition, String attempt, String file) {
        return DELETES + "part_" + checkPartitionNumber(basePartition) + "/attempt_" + checkAttempt(attempt) + "/" + checkFileName(file);
    }

    public static String manifestKey(long partition) {
        return MANIFEST_PREFIX + checkPartition(partition) + ".json";
    }

    public static String attemptPrefix(long partition, String attempt) {
        return STAGING + "part_" + checkPartition(partition) + "/attempt_" + checkAttempt(attempt) + "/";
    }

    public static String stagedFileKey(long partition, String attempt, String file) {
        return attemptPrefix(partition, attempt) + checkFileName(file);
    }

    /** Every checkpoint of partition {@code partition}, of every attempt: {@code staging/part_<pid>/checkpoints/}. */
    public static String checkpointsPrefix(long partition) {
        return STAGING + "part_" + checkPartition(partition) + "/checkpoints/";
    }

    /** Attempt {@code attempt}'s checkpoints of {@code partition}: its segment files and its records. */
    public static String checkpointPrefix(long partition, String attempt) {
        return checkpointsPrefix(partition) + "attempt_" + checkAttempt(attempt) + "/";
    }

    /** A segment file a checkpoint of {@code attempt} uploaded (never overwritten: Lucene names a file once). */
    public static String checkpointFileKey(long partition, String attempt, String file) {
        return checkpointPrefix(partition, attempt) + checkFileName(file);
    }

    /** Checkpoint {@code sequence} (from 1) of {@code attempt}: its record, written create-only and last. */
    public static String checkpointRecordKey(long partition, String attempt, int sequence) {
        if (sequence < 1 || sequence > 999_999) {
            throw new IllegalArgumentException("checkpoint sequence must be 1 to 999999: " + sequence);
        }
        return checkpointPrefix(partition, attempt) + String.format("checkpoint_%06d.json", sequence);
    }

    /** A checkpoint record's partition, attempt and sequence, or empty if the key is not one. */
    public static Optional<CheckpointKey> checkpointRecord(String key) {
        Matcher matcher = CHECKPOINT_RECORD.matcher(key);
        return matcher.matches()
                ? Optional.of(new CheckpointKey(Long.parseLong(matcher.group(1)), matcher.group(2), Integer.parseInt(matcher.group(3))))
                : Optional.empty();
    }

    public record CheckpointKey(long partition, String attempt, int sequence) {}

    /** Returns {@code key} if it is a checkpoint file of partition {@code partition}: the only keys a checkpoint record may name. */
    public static String checkCheckpointFileKey(long partition, String key) {
        String prefix = checkpointsPrefix(partition) + "attempt_";
        if (key == null || !key.startsWith(prefix)) {
            throw new IllegalArgumentException("checkpoint file key '" + key + "' is not under " + prefix);
        }
        String rest = key.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("checkpoint file key '" + key + "' names no file");
        }
        checkAttempt(rest.substring(0, slash));
        checkFileName(rest.substring(slash + 1));
        return key;
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
