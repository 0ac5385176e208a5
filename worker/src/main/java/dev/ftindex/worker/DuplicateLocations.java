package dev.ftindex.worker;

import dev.ftindex.format.BadRecordException;
import dev.ftindex.format.DocumentMapper;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.worker.Assignment.Split;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where the duplicate ids a worker found occur in its input, for the message that names them. */
final class DuplicateLocations {
    /** Occurrences named per id in a message. */
    private static final int LOCATIONS_PER_ID = 5;

    private DuplicateLocations() {}

    /**
     * Where each of {@code ids} occurs in the share: "file:line" (or "file at byte N" inside a
     * split file; "file: row group g, row r" in Parquet). Reads the share once more, looking only
     * at each record's id: the price is paid on the failure path only.
     */
    static Map<String, List<String>> locate(List<Split> share, IndexSpec spec, List<String> ids) throws IOException {
        DocumentMapper mapper = new DocumentMapper(spec);
        Map<String, List<String>> locations = new LinkedHashMap<>();
        ids.forEach(id -> locations.put(id, new ArrayList<>()));
        try (Stage stage = Progress.silent().stage("locating", Unit.DOCS, -1, -1)) {
            for (Split split : share) {
                boolean text = !SplitReader.parquet(split) && SplitReader.read(split, stage, (buffer, start, length, lineNumber, offset) -> {
                    mapper.id(buffer, start, length).ifPresent(id -> note(locations, id, SplitReader.location(split, lineNumber, offset)));
                    return true;
                });
                if (!text) {
                    ParquetSplits.read(split, spec, true, stage, (mapping, row, location) -> {
                        try {
                            mapping.id(row).ifPresent(id -> note(locations, id, location));
                        } catch (BadRecordException e) {
                            // A row without a valid id was not indexed; it is no occurrence.
                        }
                        return true;
                    });
                }
            }
        }
        return locations;
    }

    private static void note(Map<String, List<String>> locations, String id, String location) {
        List<String> found = locations.get(id);
        if (found != null && found.size() < LOCATIONS_PER_ID) {
            found.add(location);
        }
    }
}
