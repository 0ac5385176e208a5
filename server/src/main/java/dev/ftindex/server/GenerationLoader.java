package dev.ftindex.server;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.FetchMode;
import dev.ftindex.search.IndexCache;
import dev.ftindex.search.IndexVerifier;
import dev.ftindex.search.PageCache;
import dev.ftindex.search.QueryLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Consumer;

/**
 * Turns what the alias names into a generation ready to be swapped in: resolved, then either
 * fetched into the verified cache, checked there once more and opened ({@link FetchMode#FULL}), or
 * opened where it lies with one request a partition ({@link FetchMode#LAZY}); then warmed
 * ({@link Warmer}, the hook Lucene's {@code SearcherFactory} offers), which in lazy mode also
 * brings the pages the recent queries read into the page cache before the first query comes. Each
 * step is one {@link Update.Step} of the update it reports to. A failure closes what was opened and
 * keeps the verified files (or pages) for the next attempt.
 */
final class GenerationLoader {
    private final ObjectStore store;
    private final IndexCache cache;
    private final PageCache pages;
    private final FetchMode fetch;
    private final int threads;
    private final Warmer warmer;
    private final PartitionSelection selection;
    private final QueryLimits limits;

    /** What should be served: a generation of a collection (with the index id the alias names), or an index root ({@code generation} null). */
    record Target(String generation, String indexId) {
        String name() {
            return generation != null ? "generation " + generation : "index " + indexId;
        }
    }

    /** Runs queries on a newly opened generation before it serves any. */
    @FunctionalInterface
    interface Warmer {
        void warm(CommittedIndex index, Progress progress);
    }

    /**
     * @param store the collection (targets name its generations) or the index root
     * @param cache where generations read in full are fetched
     * @param pages where generations read lazily keep their pages
     * @param fetch how generations are read (auto: lazy for {@code s3://} roots with hotcaches)
     * @param selection which partitions of each generation are opened (in full mode the whole
     *     generation is fetched, and only these opened)
     * @param limits what one search of a generation may cost, set on each before it is warmed
     */
    GenerationLoader(ObjectStore store, IndexCache cache, PageCache pages, FetchMode fetch, int threads, Warmer warmer,
            PartitionSelection selection, QueryLimits limits) {
        this.selection = requireNonNull(selection, "selection is null");
        this.limits = requireNonNull(limits, "limits is null");
        this.store = requireNonNull(store, "store is null");
        this.cache = requireNonNull(cache, "cache is null");
        this.pages = requireNonNull(pages, "pages is null");
        this.fetch = requireNonNull(fetch, "fetch is null");
        this.threads = threads;
        this.warmer = requireNonNull(warmer, "warmer is null");
    }

    /**
     * Loads {@code target} through the steps from {@link Update.Step#RESOLVING} to
     * {@link Update.Step#WARMING}; swapping is the caller's.
     *
     * @param onClosed told when the generation has closed, after its last release
     */
    ServedGeneration load(Target target, Update update, Consumer<ServedGeneration> onClosed) throws IOException {
        update.step(Update.Step.RESOLVING);
        ObjectStore root = target.generation() != null ? new IndexCollection(store).generation(target.generation()) : store;
        IndexRoot.Commit commit = new IndexRoot(root).requireCommit();
        IndexMetadata metadata = commit.metadata();
        if (!metadata.indexId().equals(target.indexId())) {
            throw new CorruptIndexException(root.location() + IndexLayout.METADATA + " is index " + metadata.indexId()
                    + ", but the alias names index " + target.indexId() + " for it", List.of());
        }

        SortedSet<Integer> held = selection.resolve(metadata.partitions().size());
        ServedGeneration.Identity identity = ServedGeneration.Identity.of(root.location(), target.generation(), metadata, commit.committedAt(),
                List.copyOf(held));
        if (fetch.resolve(root.location(), metadata) == FetchMode.LAZY) {
            // Where it lies: one request a partition, nothing fetched ahead.
            return warmed(opened(update, metadata, () -> selection.whole() ? CommittedIndex.openLazy(root, metadata, pages, threads)
                    : CommittedIndex.openLazyShard(root, metadata, pages, threads, held)), identity, new ServedGeneration.InStore(), update,
                    onClosed);
        }
        Optional<List<Path>> local = CommittedIndex.localDirectories(root, metadata);
        if (local.isPresent()) {
            // A local root, opened where it lies after every byte was read against the metadata, as
            // a fetch reads it: a server keeps a generation open for long, and a damaged byte in a
            // memory-mapped file would otherwise surface as a wrong result.
            update.step(Update.Step.VERIFYING);
            IndexVerifier.Result verified = new IndexVerifier(root, threads, update.progress()).verify(false, null);
            if (!verified.ok()) {
                throw new CorruptIndexException("index " + metadata.indexId() + " in " + root.location() + " does not match its metadata",
                        verified.problems());
            }
            return warmed(opened(update, metadata, () -> openLocal(metadata, local.get(), held)), identity, new ServedGeneration.InStore(),
                    update, onClosed);
        }

        update.step(Update.Step.FETCHING);
        IndexCache.Lease lease = cache.lease(root, metadata, update.progress());
        ServedGeneration.Files files = new ServedGeneration.Downloaded(lease, metadata.totals().bytes());
        CommittedIndex index;
        try {
            update.step(Update.Step.VERIFYING);
            verifyCached(metadata, lease.partitions(), update.progress());
            index = opened(update, metadata, () -> openLocal(metadata, lease.partitions(), held));
        } catch (IOException | RuntimeException | Error e) {
            files.release(true); // verified files stay for the next attempt
            throw e;
        }
        return warmed(index, identity, files, update, onClosed);
    }

    /** Opens a generation's partitions, one {@link CommittedIndex} over them all. */
    @FunctionalInterface
    private interface Opener {
        CommittedIndex open() throws IOException;
    }

    private CommittedIndex openLocal(IndexMetadata metadata, List<Path> directories, SortedSet<Integer> held) throws IOException {
        return selection.whole() ? CommittedIndex.openLocal(metadata, directories, threads)
                : CommittedIndex.openLocalShard(metadata, directories, threads, held);
    }

    /** The {@link Update.Step#OPENING} step. */
    private static CommittedIndex opened(Update update, IndexMetadata metadata, Opener opener) throws IOException {
        update.step(Update.Step.OPENING);
        int partitions = metadata.partitions().size();
        try (Stage stage = update.progress().stage("opening", Unit.PARTITIONS, partitions, -1)) {
            CommittedIndex index = opener.open();
            stage.add(partitions, 0);
            return index;
        }
    }

    /** The {@link Update.Step#WARMING} step; a generation that fails to warm is closed, its files kept for the next attempt. */
    private ServedGeneration warmed(CommittedIndex index, ServedGeneration.Identity identity, ServedGeneration.Files files, Update update,
            Consumer<ServedGeneration> onClosed) {
        try {
            update.step(Update.Step.WARMING);
            index.useLimits(limits);
            warmer.warm(index, update.progress());
            return new ServedGeneration(index, identity, files, onClosed);
        } catch (RuntimeException | Error e) {
            index.close();
            files.release(true);
            throw e;
        }
    }

    /** The fetch checked every byte as it arrived; this checks what is on disk now, by size and footer, before it is opened. */
    private static void verifyCached(IndexMetadata metadata, List<Path> partitions, Progress progress) throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stage stage = progress.stage("verifying", Unit.FILES, metadata.totals().files(), metadata.totals().bytes())) {
            for (int i = 0; i < metadata.partitions().size(); i++) {
                IndexMetadata.CommittedPartition partition = metadata.partitions().get(i);
                for (FileEntry file : partition.files()) {
                    Path local = partitions.get(i).resolve(file.name());
                    if (!LuceneFiles.footerMatches(local, file)) {
                        problems.add(local + " does not match its metadata (size " + file.size() + ", checksum "
                                + LuceneFiles.hex(file.checksum()) + ")");
                    }
                    stage.add(1, file.size());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new CorruptIndexException("the cached copy of index " + metadata.indexId() + " changed after it was verified", problems);
        }
    }
}
