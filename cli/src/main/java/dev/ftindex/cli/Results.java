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
}
