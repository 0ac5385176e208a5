package dev.ftindex.worker;

import dev.ftindex.format.BadInputException;
import dev.ftindex.format.IndexSpec.FieldSpec;
import dev.ftindex.format.IndexSpec.FieldType;
import dev.ftindex.format.IndexSpec;
import dev.hardwood.metadata.ColumnChunk;
import dev.hardwood.metadata.FileMetaData;
import dev.hardwood.metadata.RowGroup;
import dev.hardwood.schema.FileSchema;
import dev.hardwood.schema.SchemaNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What {@code ftindex inspect} shows of a Parquet file, from its footer alone: the schema, the
 * row groups, the mapping a spec would apply (or why it does not fit), and a spec that maps every
 * column ftindex can index, as a start for writing one.
 */
public final class ParquetInspector {
    private ParquetInspector() {}

    /**
     * @param schema one line per node, indented by depth: "  author: optional group (struct)"
     * @param mapping spec field → column and type, when a spec was given and fits
     * @param problems why the given spec does not fit, when it does not
     * @param suggestedSpec a spec mapping every indexable column (the id: a column named id, else
     *     the first string or integer column)
     */
    public record Inspection(String file, long bytes, long rows, List<RowGroupInfo> rowGroups, List<String> schema,
                             Map<String, String> mapping, String problems, IndexSpec suggestedSpec) {}

    /** One row group: its rows, its compressed bytes, where it starts, and its codecs. */
    public record RowGroupInfo(int index, long rows, long compressedBytes, long start, List<String> codecs) {}

    /**
     * Inspects one file, reading its footer only.
     *
     * @throws BadInputException if it is not a readable Parquet file
     */
    public static Inspection inspect(InputFile file, Optional<IndexSpec> spec) throws IOException {
        if (file.format() != InputFormat.PARQUET) {
            throw new BadInputException(file.name() + ": this is " + describe(file) + ", not a Parquet file; inspect shows Parquet files");
        }
        return ParquetSplits.opened(file, file.name(), null, reader -> {
            FileMetaData metadata = reader.getFileMetaData();
            List<RowGroupInfo> groups = new ArrayList<>();
            for (int g = 0; g < metadata.rowGroups().size(); g++) {
                RowGroup group = metadata.rowGroups().get(g);
                long compressed = group.columns().stream().mapToLong(c -> c.metaData().totalCompressedSize()).sum();
                TreeSet<String> codecs = new TreeSet<>();
                for (ColumnChunk chunk : group.columns()) {
                    codecs.add(String.valueOf(chunk.metaData().codec()));
                }
                groups.add(new RowGroupInfo(g, group.numRows(), compressed, group.columns().getFirst().chunkStartOffset(), List.copyOf(codecs)));
            }
            FileSchema schema = reader.getFileSchema();
            List<String> lines = new ArrayList<>();
            schema.getRootNode().children().forEach(child -> describe(child, 1, lines));
            Map<String, String> mapping = Map.of();
            String problems = null;
            if (spec.isPresent()) {
                try {
                    mapping = ParquetMapping.resolve(file.name(), schema, spec.get()).describe();
                } catch (BadInputException e) {
                    problems = e.getMessage();
                }
            }
            return new Inspection(file.name(), file.size(), metadata.numRows(), groups, lines, mapping, problems, suggest(schema));
        }, () -> "");
    }

    private static String describe(InputFile file) throws IOException {
        return file.format().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }

    private static void describe(SchemaNode node, int depth, List<String> lines) {
        String indent = "  ".repeat(depth);
        switch (node) {
            case SchemaNode.PrimitiveNode primitive -> lines.add(indent + primitive.name() + ": " + ParquetMapping.describe(primitive, false));
            case SchemaNode.GroupNode group -> {
                String kind = group.isList() ? "list" : group.isMap() ? "map" : "struct";
                lines.add(indent + group.name() + ": " + group.repetitionType().name().toLowerCase(java.util.Locale.ROOT) + " group (" + kind + ")");
                group.children().forEach(child -> describe(child, depth + 1, lines));
            }
            default -> lines.add(indent + node.name());
        }
    }

    /** A column a spec could map: its field type, and whether it holds one value a row (an id must). */
    private record Candidate(FieldType type, boolean single, boolean integer) {}

    /**
     * A spec that maps every column a field type can hold: strings as text, integers and times as
     * long, the rest as double. The id: a column named {@code id} (in any case), else the first
     * integer column, else the first string column, one value a row.
     */
    static IndexSpec suggest(FileSchema schema) {
        Map<String, Candidate> candidates = new LinkedHashMap<>();
        collect(schema.getRootNode(), "", false, candidates);
        java.util.function.Predicate<Map.Entry<String, Candidate>> idLike = e -> e.getValue().single() && e.getValue().type() != FieldType.DOUBLE;
        String id = candidates.entrySet().stream().filter(idLike).filter(e -> e.getKey().equalsIgnoreCase("id")).map(Map.Entry::getKey).findFirst()
                .or(() -> candidates.entrySet().stream().filter(idLike).filter(e -> e.getValue().integer()).map(Map.Entry::getKey).findFirst())
                .or(() -> candidates.entrySet().stream().filter(idLike).map(Map.Entry::getKey).findFirst())
                .orElse(candidates.keySet().stream().findFirst().orElse("id"));
        Map<String, FieldSpec> fields = new LinkedHashMap<>();
        candidates.forEach((name, candidate) -> {
            if (!name.equals(id)) {
                fields.put(name, new FieldSpec(candidate.type(), true, candidate.type() == FieldType.TEXT ? "standard" : null));
            }
        });
        List<String> search = fields.entrySet().stream().filter(e -> e.getValue().type() == FieldType.TEXT).map(Map.Entry::getKey).toList();
        return new IndexSpec(id, fields, Map.of(), search, IndexSpec.SimilaritySpec.DEFAULT);
    }

    private static void collect(SchemaNode.GroupNode group, String prefix, boolean repeated, Map<String, Candidate> candidates) {
        for (SchemaNode child : group.children()) {
            String name = prefix + child.name();
            boolean several = repeated || child.repetitionType() == dev.hardwood.metadata.RepetitionType.REPEATED;
            SchemaNode leaf = child;
            if (child instanceof SchemaNode.GroupNode nested && nested.isList()) {
                leaf = nested.getListElement();
                several = true;
            } else if (child instanceof SchemaNode.GroupNode nested && nested.isStruct() && !several) {
                collect(nested, name + ".", false, candidates);
                continue;
            }
            if (leaf instanceof SchemaNode.PrimitiveNode primitive && !(several && repeated)) {
                ParquetMapping.Kind kind = ParquetMapping.kindOf(primitive);
                FieldType type = switch (kind) {
                    case STRING, BINARY, UUID -> FieldType.TEXT;
                    case INTEGER, INTEGRAL_DECIMAL, DATE, TIMESTAMP -> FieldType.LONG;
                    case FLOAT, DECIMAL, UNSIGNED_64 -> FieldType.DOUBLE;
                    case OTHER -> null;
                };
                if (type != null) {
                    candidates.put(name, new Candidate(type, !several, kind == ParquetMapping.Kind.INTEGER));
                }
            }
        }
    }
}
