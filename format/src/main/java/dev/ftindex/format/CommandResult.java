package dev.ftindex.format;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON result of a command, and of {@code /search}, which answers what {@code ftindex search
 * --json} prints: the verb, the index root and (for a generation of a collection) its id first,
 * then the command's own result flattened beside them. Built here only.
 */
public final class CommandResult {
    private CommandResult() {}

    /** The result of a command that reads no index (inspect): the verb, then the result. */
    public static ObjectNode of(String verb, Object result) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("verb", verb);
        node.setAll((ObjectNode) Json.MAPPER.valueToTree(result));
        return node;
    }

    /**
     * @param generation the generation id when the root is one of a collection's, else null
     * @param result a record whose members follow the head
     */
    public static ObjectNode of(String verb, String index, String generation, Object result) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("verb", verb);
        node.put("index", index);
        if (generation != null) {
            node.put("generation", generation);
        }
        node.setAll((ObjectNode) Json.MAPPER.valueToTree(result));
        return node;
    }
}
