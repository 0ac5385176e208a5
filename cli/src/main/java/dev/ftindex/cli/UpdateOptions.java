package dev.ftindex.cli;

import dev.ftindex.finalizer.BaseUpdate;
import dev.ftindex.finalizer.FinalizeResult;
import dev.ftindex.worker.DeleteList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --upsert}, {@code --delete}, {@code --strict-deletes}: an append (build, finalize with
 * {@code --base}) that also replaces or deletes documents of its base. Only the finalizer acts on
 * them (it alone merges the new ids with the base's), so the workers ({@code build-partition}) do
 * not take them.
 */
final class UpdateOptions {
    @Option(names = "--upsert", description = "with --base: a document of the new input whose id the base holds replaces the base's"
            + " document (without it, such an id is a duplicate: exit 3)")
    boolean upsert;

    @Option(names = "--delete", paramLabel = "FILE", description = "with --base: delete the documents whose ids are in FILE (one id a"
            + " line; plain, gzip or zstd; local or s3://; blank lines and repeats are passed over). Ids the base does not hold are"
            + " reported (count and the first ten). finalize --base G --delete FILE with nothing staged deletes and adds nothing else")
    String delete;

    @Option(names = "--strict-deletes", description = "with --delete: an id the base does not hold fails the run (exit 3) instead of"
            + " being reported")
    boolean strictDeletes;

    boolean given() {
        return upsert || delete != null || strictDeletes;
    }

    /** A read delete list and the update it makes; its work directory is removed on close. */
    record Opened(BaseUpdate update, Optional<Path> work) implements AutoCloseable {
        @Override
        public void close() {
            work.ifPresent(TempDirectories::deleteRecursively);
        }
    }

    /**
     * The update these options ask for, the delete list read (sorted on disk: any size), its
     * counts told on {@code console}.
     */
    Opened open(boolean hasBase, Stores stores, Console console) {
        if (!given()) {
            return new Opened(BaseUpdate.NONE, Optional.empty());
        }
        if (!hasBase) {
            throw new UsageException("--upsert, --delete and --strict-deletes update a base: give --base");
        }
        if (strictDeletes && delete == null) {
            throw new UsageException("--strict-deletes needs --delete FILE");
        }
        if (delete == null) {
            return new Opened(new BaseUpdate(true, Optional.empty(), false), Optional.empty());
        }
        Path work;
        try {
            work = Files.createTempDirectory("ftindex-deletes-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create a work directory for --delete: " + e.getMessage(), e);
        }
        try {
            DeleteList.Sorted sorted = DeleteList.read(delete, work, stores.inputStores());
            console.info(String.format(Locale.ROOT, "delete list %s: %,d ids to delete (%,d lines, %,d blank, %,d repeated)",
                    sorted.source(), sorted.ids(), sorted.lines(), sorted.blank(), sorted.repeated()));
            return new Opened(new BaseUpdate(upsert, Optional.of(new BaseUpdate.DeleteIds(sorted.list().getParent(), sorted.file(),
                    sorted.fingerprint(), sorted.source())), strictDeletes), Optional.of(work));
        } catch (RuntimeException e) {
            TempDirectories.deleteRecursively(work);
            throw e;
        }
    }

    /** One line of what an update deleted, when the run planned one. */
    static void tell(FinalizeResult result, Console console) {
        FinalizeResult.Update update = result.update();
        if (update == null) {
            return;
        }
        console.info(String.format(Locale.ROOT, "update: %,d documents of the base replaced by new ones, %,d ids deleted; %,d documents"
                + " deleted in %d base partition(s)%s", update.replaced(), update.deletedIds(), update.deletedDocs(), update.partitions(),
                update.unknownDeletes() == 0 ? "" : String.format(Locale.ROOT, "; %,d ids to delete are not in the base", update.unknownDeletes())));
    }
}
