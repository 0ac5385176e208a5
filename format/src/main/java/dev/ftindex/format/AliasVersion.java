package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * One version of a collection's alias, {@code alias/<version>.json}: the generation readers use
 * now, and the one before it. Written create-only, each version once, by the publish that made
 * it: the versions are the collection's history, and of two publishers that read the same
 * version, exactly one creates the next.
 *
 * @param version 1 for the first publish, one more each time
 * @param current the generation readers use
 * @param previous the one before it (rollback goes back to it), or null for the first
 * @param token unique to the publish that wrote this version, which tells a publisher whose
 *     answer was lost whether the version that now exists is its own
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AliasVersion(
        String format,
        int formatVersion,
        long version,
        Published current,
        Published previous,
        Reason reason,
        String token,
        String createdAt) {

    public static final String FORMAT = "ftindex-alias";
    public static final int VERSION = 1;

    public AliasVersion {
        Versions.check(FORMAT, VERSION, format, formatVersion);
        if (version < 1) {
            throw new IllegalArgumentException("alias versions count from 1: " + version);
        }
        requireNonNull(current, "current is null");
        requireNonNull(reason, "reason is null");
        requireNonNull(token, "token is null");
        requireNonNull(createdAt, "createdAt is null");
    }

    /** Why this version was written. */
    public enum Reason {
        PUBLISH("publish"),
        ROLLBACK("rollback");

        private final String json;

        Reason(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Reason parse(String text) {
            for (Reason reason : values()) {
                if (reason.json.equals(text)) {
                    return reason;
                }
            }
            throw new IllegalArgumentException("unknown alias reason '" + text + "'");
        }
    }

    /** A generation as the alias names it: its id, and what its metadata said when it was published. */
    public record Published(String generation, String indexId, int partitions, long docs, String committedAt) {
        public Published {
            CollectionLayout.checkGeneration(generation);
            IndexLayout.checkIndexId(indexId);
        }
    }
}
