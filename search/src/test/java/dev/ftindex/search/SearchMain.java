package dev.ftindex.search;

import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import java.nio.file.Path;

/** Opens a local index root with a given cache and runs one query: {@code <root> <cache> <query>}. */
public final class SearchMain {
    private SearchMain() {}

    public static void main(String[] args) throws Exception {
        try (ObjectStore store = ObjectStores.local(Path.of(args[0]));
             CommittedIndex index = CommittedIndex.open(store, Path.of(args[1]), 4, Progress.silent())) {
            System.out.write(Json.write(index.search(args[2], 20)));
            System.out.flush();
        }
    }
}
