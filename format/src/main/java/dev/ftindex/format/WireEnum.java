package dev.ftindex.format;

/**
 * An enum ftindex writes: into stored documents, JSON results, {@code /health} and metric labels.
 * Its value there is its constant's name in lower kebab case ({@code ALREADY_STAGED} is
 * {@code already-staged}), by the one rule {@link Json} gives Jackson too, so no enum spells its
 * values by hand.
 */
public interface WireEnum {
    /** The constant's name (every enum has it). */
    String name();

    /** The value on the wire. */
    default String json() {
        return Json.wireName(name());
    }
}
