package dev.ftindex.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.Json;

/** JSON results: the verb and the index root first, then the verb's own result. */
final class Results {
    private Results() {}

    static ObjectNode of(String verb, String index, Object result) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("verb", verb);
        node.put("index", index);
        node.setAll((ObjectNode) Json.MAPPER.valueToTree(result));
        return node;
    }

    /** As {@link #of(String, String, Object)}, for a root that may be a generation of a collection: its id follows the root. */
    static ObjectNode of(String verb, Target.Root root, Object result) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("verb", verb);
        node.put("index", root.store().location());
        root.generation().ifPresent(generation -> node.put("generation", generation));
        node.setAll((ObjectNode) Json.MAPPER.valueToTree(result));
        return node;
    }
}
