package dev.ftindex.objectstore;

import java.util.Map;
import java.util.stream.Collectors;

/** Turns the per-key failures of a bulk delete into one exception that names them all. */
final class BulkDeletes {
    private static final int NAMED = 10;

    private BulkDeletes() {}

    static void throwIfAny(String location, int attempted, Map<String, ? extends StorageException> failures) {
        if (failures.isEmpty()) {
            return;
        }
        String named = failures.entrySet().stream()
                .limit(NAMED)
                .map(entry -> entry.getKey() + " (" + entry.getValue().getMessage() + ")")
                .collect(Collectors.joining(", "));
        String problem = failures.size() + " of " + attempted + " deletes failed: " + named
                + (failures.size() > NAMED ? ", ..." : "");
        boolean allPermanent = failures.values().stream().allMatch(PermanentStorageException.class::isInstance);
        StorageException error = allPermanent
                ? new PermanentStorageException(location, null, problem, null)
                : new TransientStorageException(location, null, problem, null);
        failures.values().forEach(error::addSuppressed);
        throw error;
    }
}
