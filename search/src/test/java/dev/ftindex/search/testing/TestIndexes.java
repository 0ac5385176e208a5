package dev.ftindex.search.testing;

import dev.ftindex.finalizer.FinalizeResult;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.worker.Assignment;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Builds committed indexes with real workers and the finalizer, for tests. */
public final class TestIndexes {
    private TestIndexes() {}

    public static FinalizeResult build(ObjectStore store, IndexSpec spec, Path input, int partitions, Path scratch) {
        for (int p = 0; p < partitions; p++) {
            WorkerConfig config = WorkerConfig.of(spec, List.of(input.toString()), p, Optional.of(partitions))
                    .withThreads(2)
                    .withIndexing(16, 1)
                    .withSplitRules(new Assignment.SplitRules(2 * 1024, 1 << 20))
                    .withWorkDirectory(scratch.resolve("work"));
            new Worker(store, config, location -> {
                throw new AssertionError(location);
            }, Progress.silent()).run();
        }
        return new Finalizer(store, FinalizerConfig.defaults(), Progress.silent()).run();
    }

}
