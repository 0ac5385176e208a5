package dev.ftindex.format;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where the partition count that a commit requires came from. */
public enum CountSource {
    /** {@code --expected-partitions}. */
    FLAG("flag"),
    /** The count every worker was told, recorded in the manifests. */
    MANIFESTS("manifests"),
    /** A frozen plan: it commits its partitions, whatever else is staged. */
    PLAN("plan"),
    /** Nothing states a count: what is staged is committed. */
    STAGED("staged");

    private final String json;

    CountSource(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    @JsonCreator
    public static CountSource parse(String text) {
        for (CountSource source : values()) {
            if (source.json.equals(text)) {
                return source;
            }
        }
        throw new IllegalArgumentException("unknown partition count source '" + text + "' (flag, manifests, plan or staged)");
    }
}
