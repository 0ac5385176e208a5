package dev.ftindex.worker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Writes Parquet files for tests with DuckDB (a real, independent writer): from JSON Lines, or
 * from a SQL query, with a given number of rows per row group and a codec.
 */
public final class ParquetFiles {
    private ParquetFiles() {}

    /** The JSON records as Parquet, the types inferred from the JSON (strings, bigints, lists, structs). */
    public static Path fromJsonLines(Path target, List<String> lines, long rowsPerGroup, String codec) throws IOException {
        Path json = Files.createTempFile(target.toAbsolutePath().getParent() == null ? Path.of(".") : ensure(target.toAbsolutePath().getParent()),
                ".records-", ".jsonl");
        try {
            Files.write(json, lines);
            return query(target, "SELECT * FROM read_json('" + json + "', format = 'newline_delimited', maximum_depth = -1)", rowsPerGroup, codec);
        } finally {
            Files.deleteIfExists(json);
        }
    }

    /** A JSON Lines file as Parquet, the types inferred from the JSON. */
    public static Path fromJsonLinesFile(Path target, Path json, long rowsPerGroup, String codec) throws IOException {
        return query(target, "SELECT * FROM read_json('" + json.toAbsolutePath() + "', format = 'newline_delimited', maximum_depth = -1)",
                rowsPerGroup, codec);
    }

    /** The rows of {@code select} (DuckDB SQL) as Parquet. */
    public static Path query(Path target, String select, long rowsPerGroup, String codec) throws IOException {
        ensure(target.toAbsolutePath().getParent());
        Files.deleteIfExists(target);
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = connection.createStatement()) {
            statement.execute("SET threads TO 2");
            statement.execute("SET preserve_insertion_order = true");
            statement.execute("COPY (" + select + ") TO '" + target.toAbsolutePath() + "' (FORMAT PARQUET, ROW_GROUP_SIZE " + rowsPerGroup
                    + ", COMPRESSION " + codec + ")");
        } catch (SQLException e) {
            throw new IOException("DuckDB could not write " + target + ": " + e.getMessage(), e);
        }
        return target;
    }

    private static Path ensure(Path directory) throws IOException {
        return Files.createDirectories(directory);
    }
}
