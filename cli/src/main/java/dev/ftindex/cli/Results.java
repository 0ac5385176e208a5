package dev.ftindex.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.CommandResult;

/** JSON results: the verb and the index root first, then the verb's own result ({@link CommandResult}). */
final class Results {
    private Results() {}

    static ObjectNode of(String verb, String index, Object result) {
        return CommandResult.of(verb, index, null, result);
    }

    /** As {@link #of(String, String, Object)}, for a root that may be a generation of a collection: its id follows the root. */
    static ObjectNode of(String verb, Target.Root root, Object result) {
        return CommandResult.of(verb, root.store().location(), root.generation().orElse(null), result);
    }
}
