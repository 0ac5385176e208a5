package dev.ftindex.search;

import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.testing.DelegatingStore;
import java.nio.file.Path;

/**
 * Opens a local index root with a given cache and runs one query: {@code <root> <cache> <query>}.
 * The root is seen as a store elsewhere, so that its files are fetched into the cache.
 */
public final class SearchMain {
    private SearchMain() {}

    public static void main(String[] args) throws Exception {
        try (ObjectStore store = new DelegatingStore(ObjectStores.local(Path.of(args[0]))) {};
             CommittedIndex index = CommittedIndex.open(store, Path.of(args[1]), 4, Progress.silent())) {
            System.out.write(Json.write(index.search(args[2], 20)));
            System.out.flush();
        }
    }
}
