package dev.ftindex.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.format.CommandResult;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.Json;
import dev.ftindex.worker.InputFile;
import dev.ftindex.worker.Inputs;
import dev.ftindex.worker.ParquetInspector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ftindex inspect}: a Parquet file's schema, row groups, and how a spec maps it. */
@Command(name = "inspect",
        header = "show a Parquet file's schema, row groups and the mapping a spec applies (to write a spec)",
        customSynopsis = "ftindex inspect FILE [--spec FILE] [--json] [options]",
        description = {
            "Reads the footer of a Parquet file (local or s3://, with ranged reads: never the whole file) and",
            "shows its schema, its row groups (rows, compressed bytes, codecs), and, with --spec, which column",
            "each spec field reads and as what, or why the spec does not fit. It also prints a spec that maps",
            "every column ftindex can index, as a start for your own."},
        footer = {
            "  ftindex inspect s3://bucket/docs/part-0.parquet --endpoint http://minio:9000",
            "  ftindex inspect docs.parquet --spec spec.json --json"})
final class InspectCommand implements Verb {
    @Parameters(paramLabel = "FILE", arity = "1", description = "the Parquet file: a path or s3://bucket/key")
    String file;

    @ArgGroup(validate = false, heading = "%nInspect:%n", order = 10)
    Group inspect = new Group();

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--spec", paramLabel = "FILE", description = "the index spec whose mapping to show")
        Path spec;

        @Option(names = "--json", description = "print the JSON result instead of text")
        boolean json;
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) throws Exception {
        Optional<IndexSpec> spec = Optional.ofNullable(inspect.spec).map(IndexSpec::read);
        try (Stores stores = store.open(context.environment())) {
            List<InputFile> files = Inputs.resolve(List.of(file), stores.inputStores());
            if (files.size() != 1) {
                throw new UsageException("'" + file + "' names " + files.size() + " files; inspect one");
            }
            ParquetInspector.Inspection inspection = ParquetInspector.inspect(files.getFirst(), spec);
            ObjectNode result = CommandResult.of("inspect", inspection);
            result.set("suggestedSpec", Json.MAPPER.readTree(Json.write(inspection.suggestedSpec())));
            return new Outcome(result, inspection.problems() == null ? ExitCode.OK : ExitCode.BAD_INPUT,
                    inspect.json ? null : text(inspection));
        }
    }

    static String text(ParquetInspector.Inspection inspection) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%s: %,d rows in %d row groups, %s%n", inspection.file(), inspection.rows(),
                inspection.rowGroups().size(), Console.size(inspection.bytes())));
        text.append("\nschema:\n");
        inspection.schema().forEach(line -> text.append(line).append('\n'));
        text.append("\nrow groups:\n");
        for (ParquetInspector.RowGroupInfo group : inspection.rowGroups()) {
            text.append(String.format(Locale.ROOT, "  %4d: %,12d rows %12s at byte %,d  %s%n", group.index(), group.rows(),
                    Console.size(group.compressedBytes()), group.start(), String.join(", ", group.codecs())));
        }
        if (inspection.problems() != null) {
            text.append("\nthe spec does not fit: ").append(inspection.problems()).append('\n');
        } else if (!inspection.mapping().isEmpty()) {
            text.append("\nmapping:\n");
            for (Map.Entry<String, String> entry : inspection.mapping().entrySet()) {
                text.append("  ").append(entry.getKey()).append(" <- ").append(entry.getValue()).append('\n');
            }
        }
        text.append("\na spec that maps every column ftindex can index:\n")
                .append(new String(Json.write(inspection.suggestedSpec()), StandardCharsets.UTF_8));
        return text.toString();
    }
}
