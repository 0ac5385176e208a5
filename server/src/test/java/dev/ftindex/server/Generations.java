package dev.ftindex.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ftindex.finalizer.BaseUpdate;
import dev.ftindex.finalizer.Finalizer;
import dev.ftindex.finalizer.FinalizerConfig;
import dev.ftindex.finalizer.Publisher;
import dev.ftindex.format.AppendBase;
import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.worker.DeleteList;
import dev.ftindex.worker.Worker;
import dev.ftindex.worker.WorkerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Real generations for the server's tests: real workers and the real finalizer, two partitions
 * each. Every document of generation G carries the tag {@code gen-G}, so a test can tell from any
 * hit which generation answered.
 */
final class Generations {
    static final int DOCS = 400;

    private Generations() {}

    static String marker(String generation) {
        return "gen-" + generation;
    }

    /** Builds and commits generation {@code generation} of {@code collection}; documents differ by {@code seed}. */
    static ObjectStore build(ObjectStore collection, String generation, long seed, Path scratch) {
        return build(collection, generation, seed, scratch, 2);
    }

    /** As {@link #build(ObjectStore, String, long, Path)}, in {@code partitions} partitions. */
    static ObjectStore build(ObjectStore collection, String generation, long seed, Path scratch, int partitions) {
        ObjectStore root = null;
        for (int partition = 0; partition < partitions; partition++) {
            root = stage(collection, generation, seed, partition, partitions, scratch);
        }
        new Finalizer(root, FinalizerConfig.defaults(), Progress.silent()).run();
        return root;
    }

    /** Stages partition {@code partition} of two of generation {@code generation}, as one worker does. */
    static ObjectStore stage(ObjectStore collection, String generation, long seed, int partition, Path scratch) {
        return stage(collection, generation, seed, partition, 2, scratch);
    }

    private static ObjectStore stage(ObjectStore collection, String generation, long seed, int partition, int partitions, Path scratch) {
        try {
            List<String> lines = new ArrayList<>();
            for (String line : TestDocuments.lines(0, DOCS, seed)) {
                ObjectNode document = (ObjectNode) Json.MAPPER.readTree(line);
                document.withArray("tags").add(marker(generation));
                lines.add(document.toString());
            }
            Path input = TestDocuments.write(scratch.resolve("input-" + generation + ".jsonl"), lines);
            ObjectStore root = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix(generation));
            WorkerConfig config = WorkerConfig.of(TestDocuments.spec(), List.of(input.toString()), partition, Optional.of(partitions))
                    .withThreads(1).withWorkDirectory(scratch.resolve("work-" + generation));
            new Worker(root, config, location -> {
                throw new AssertionError(location);
            }, Progress.silent()).run();
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds and commits generation {@code generation} of {@code collection} from {@code lines}, in {@code partitions} partitions. */
    static ObjectStore build(ObjectStore collection, String generation, List<String> lines, Path scratch, int partitions) {
        try {
            Path input = TestDocuments.write(scratch.resolve("input-" + generation + ".jsonl"), lines);
            ObjectStore root = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix(generation));
            for (int partition = 0; partition < partitions; partition++) {
                WorkerConfig config = WorkerConfig.of(TestDocuments.spec(), List.of(input.toString()), partition, Optional.of(partitions))
                        .withThreads(1).withWorkDirectory(scratch.resolve("work-" + generation));
                new Worker(root, config, location -> {
                    throw new AssertionError(location);
                }, Progress.silent()).run();
            }
            new Finalizer(root, FinalizerConfig.defaults(), Progress.silent()).run();
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Commits generation {@code generation} of {@code collection} as an update of {@code base}: the
     * new documents {@code lines} in {@code partitions} new partitions, with {@code upsert}, and
     * the ids {@code deletes} deleted, as {@code build --base --upsert --delete} does.
     */
    static ObjectStore update(ObjectStore collection, String generation, String base, List<String> lines, List<String> deletes,
                              boolean upsert, Path scratch, int partitions) {
        try {
            Path input = TestDocuments.write(scratch.resolve("input-" + generation + ".jsonl"), lines);
            ObjectStore root = ObjectStores.prefixed(collection, CollectionLayout.generationPrefix(generation));
            AppendBase from = AppendBase.open(ObjectStores.prefixed(collection, CollectionLayout.generationPrefix(base)), base);
            for (int partition = 0; partition < partitions; partition++) {
                WorkerConfig config = WorkerConfig.of(TestDocuments.spec(), List.of(input.toString()), partition, Optional.of(partitions))
                        .withThreads(1).withWorkDirectory(scratch.resolve("work-" + generation)).withBase(from.index());
                new Worker(root, config, location -> {
                    throw new AssertionError(location);
                }, Progress.silent()).run();
            }
            Path list = Files.write(scratch.resolve("deletes-" + generation + ".txt"), deletes);
            DeleteList.Sorted sorted = DeleteList.read(list.toString(), scratch.resolve("deletes-" + generation), location -> {
                throw new AssertionError(location);
            });
            BaseUpdate update = new BaseUpdate(upsert, Optional.of(new BaseUpdate.DeleteIds(sorted.list().getParent(), sorted.file(),
                    sorted.fingerprint(), sorted.source())), false);
            new Finalizer(root, Optional.of(from), update, FinalizerConfig.defaults(), Progress.silent()).run();
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Publisher.Result publish(ObjectStore collection, String generation) {
        return new Publisher(collection, 4, Progress.silent()).publish(generation);
    }
}
