package dev.ftindex.cli;

import dev.ftindex.format.AppendBase;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.objectstore.ObjectStore;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --base}: the writers (build, build-partition, finalize) append to a committed index. One
 * place opens the root a run writes together with its base ({@link #open}), so that a collection's
 * two generations are views of one store and the base's files are copied server-side.
 */
final class AppendOptions {
    @Option(names = "--base", paramLabel = "G|URI", description = "append: the new index holds every partition of this committed index"
            + " unchanged (copied server-side, not indexed again), then the partitions of the new input, numbered after them. With"
            + " --collection, a generation id of it; else an index root. Ids of the new input must not be in the base (exit 3 naming"
            + " them). Every worker and the finalizer of one append take the same --base")
    @Env("FTINDEX_BASE")
    String base;

    /** The root this run writes, and the base it appends to. */
    record Roots(ObjectStore index, Optional<AppendBase> base) {
        /** The spec this append indexes with: the base's unless one was given, which must then be the base's. */
        IndexSpec spec(IndexingOptions indexing, IndexSpec otherwise) {
            return base.map(b -> b.spec(indexing.specGiven() ? Optional.of(indexing.spec()) : Optional.empty())).orElse(otherwise);
        }
    }

    Roots open(Stores stores, StoreOptions store) {
        if (base == null || base.isBlank()) {
            return new Roots(stores.open(store.index()), Optional.empty());
        }
        StoreOptions.Views views = store.withBase(stores, base, "--base");
        return new Roots(views.index(), Optional.of(AppendBase.open(views.base(), views.baseGeneration().orElse(null))));
    }
}
