package dev.ftindex.search;

import static java.util.Objects.requireNonNull;

import dev.ftindex.format.Analyzers;
import dev.ftindex.format.CorruptIndexException;
import dev.ftindex.format.FieldStats;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.IndexMetadata.CommittedPartition;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.format.NotCommittedException;
import dev.ftindex.format.StoredJson;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectNotFoundException;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.SupportsLocalFiles;
import dev.ftindex.objectstore.Tasks;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.FacetsCollectorManager;
import org.apache.lucene.facet.StringDocValuesReaderState;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TermStates;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MultiCollectorManager;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.TermStatistics;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldCollector;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.search.uhighlight.DefaultPassageFormatter;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;

/**
 * A committed index opened for searching. What is in it is decided by {@code metadata.lance}
 * alone; its files are fetched into a verified local cache, and one {@link IndexSearcher} spans
 * all partitions, so term statistics (and therefore BM25 scores) are those of the whole
 * collection: results equal those of one index built from the same documents. Large partitions
 * are searched in parallel. Thread-safe.
 */
public final class CommittedIndex implements Closeable {
    private final IndexMetadata metadata;
    private final IndexReader reader;
    private final int[] partitionStarts;
    /** The generation's number of each partition this index holds, in order (all of them, unless a shard's subset). */
    private final int[] partitionNumbers;
    private final IndexSearcher searcher;
    private final Analyzer analyzer;
    private final ExecutorService executor;
    private final Set<String> idOnly;
    private volatile QueryLanguage language;
    /** Keyword fields' ordinal maps, made once for this index's reader when a facet first counts the field. */
    private final Map<String, StringDocValuesReaderState> keywordStates = new java.util.concurrent.ConcurrentHashMap<>();
    /** Lucene's own threshold of exact hit counts ({@code IndexSearcher}'s): above it a count may be a lower bound. */
    private static final int TOTAL_HITS_THRESHOLD = 1_000;
    /** The page cache {@link #open(ObjectStore, Reading, Path, int, Progress)} made for this index alone, closed with it. */
    private PageCache ownedPages;
    /** How much of a stored field the highlighter reads: the start of a long text holds the snippet people look for. */
    private static final int HIGHLIGHT_MAX_CHARS = 100_000;

    /** Threads that search partitions read where they lie, at most: beyond, partitions wait for a thread. */
    private static final int MAX_READING_THREADS = 64;
    private final boolean whereTheyLie;

    /** Opens one partition's Lucene directory: a local copy, or the lazy reader over the store. */
    @FunctionalInterface
    private interface PartitionOpener {
        Directory open(int index) throws IOException;
    }

    private CommittedIndex(IndexMetadata metadata, int partitions, PartitionOpener opener, int threads) throws IOException {
        this(metadata, java.util.stream.IntStream.range(0, partitions).toArray(), opener, threads, false);
    }

    /**
     * @param partitionNumbers the partitions to open, by their number in the generation, ascending
     * @param whereTheyLie whether the partitions are read from the store as queries need their
     *     pages: then each partition is searched in a slice of its own, all at once, so that a cold
     *     query waits for the rounds of requests of one partition, not of every partition in turn
     */
    private CommittedIndex(IndexMetadata metadata, int[] partitionNumbers, PartitionOpener opener, int threads, boolean whereTheyLie)
            throws IOException {
        this.metadata = metadata;
        this.partitionNumbers = partitionNumbers.clone();
        this.whereTheyLie = whereTheyLie;
        IndexSpec spec = metadata.spec();
        List<IndexReader> readers = open(partitionNumbers, opener);
        this.partitionStarts = new int[readers.size()];
        int start = 0;
        for (int i = 0; i < readers.size(); i++) {
            partitionStarts[i] = start;
            start += readers.get(i).maxDoc();
        }
        this.reader = new MultiReader(readers.toArray(IndexReader[]::new), true);
        // Partitions are searched in parallel where that pays: Lucene's slicing gives a large
        // partition (250,000 documents or more) a slice of its own and groups small ones.
        // With a single slice there is nothing to run in parallel, and handing a sub-millisecond
        // search to another thread costs more than it saves (docs/benchmarks.md).
        int slices = slices(reader.leaves()).length;
        // Where partitions lie in the store, their threads mostly wait for it: one a partition.
        int searchThreads = whereTheyLie ? Math.max(threads, Math.min(slices, MAX_READING_THREADS)) : Math.min(threads, slices);
        this.executor = searchThreads > 1 && slices > 1 ? Tasks.pool(searchThreads, "search") : null;
        this.searcher = new PartitionSearcher(reader, executor);
        searcher.setSimilarity(new BM25Similarity((float) spec.similarity().k1(), (float) spec.similarity().b()));
        this.analyzer = Analyzers.forSpec(spec);
        this.idOnly = Set.of(spec.idField());
        this.language = new QueryLanguage(spec, analyzer, QueryLimits.DEFAULT);
    }

    /**
     * Opens the partitions all at once (a lazy partition's opening is one request, its hotcache:
     * so opening a generation is one round whatever its partition count); if one fails, closes
     * the others.
     */
    private static List<IndexReader> open(int[] partitionNumbers, PartitionOpener opener) throws IOException {
        IndexReader[] opened = new IndexReader[partitionNumbers.length];
        List<java.util.concurrent.Callable<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < partitionNumbers.length; i++) {
            int slot = i;
            tasks.add(() -> {
                opened[slot] = DirectoryReader.open(opener.open(partitionNumbers[slot]));
                return null;
            });
        }
        ExecutorService openers = Tasks.virtual("open");
        try {
            Tasks.runAll(openers, tasks);
        } catch (RuntimeException e) {
            for (IndexReader reader : opened) {
                if (reader != null) {
                    try {
                        reader.close();
                    } catch (IOException closeFailure) {
                        e.addSuppressed(closeFailure);
                    }
                }
            }
            if (e instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e;
        } finally {
            openers.shutdown();
        }
        return List.of(opened);
    }

    /** How a search splits this index's partitions into slices run in parallel. */
    private IndexSearcher.LeafSlice[] slices(List<LeafReaderContext> leaves) {
        // A large partition (250,000 documents or more) gets a slice of its own and small ones are grouped
        // (Lucene's own slicing), unless partitions are read where they lie: then each is its own.
        return whereTheyLie ? IndexSearcher.slices(leaves, 1, 1, false) : IndexSearcher.slices(leaves, 250_000, 5, false);
    }

    /**
     * The stored fields of {@code docs} ({@code fields} of them, or all when null), in order: read
     * all at once where partitions lie in the store, where each document's read is a round of
     * requests (its block's address, then the block) that would otherwise wait for the one before.
     */
    private List<Document> documents(IndexSearcher searcher, ScoreDoc[] docs, Set<String> fields) throws IOException {
        if (!whereTheyLie || executor == null || docs.length < 2) {
            StoredFields stored = searcher.storedFields();
            List<Document> documents = new ArrayList<>(docs.length);
            for (ScoreDoc doc : docs) {
                documents.add(fields == null ? stored.document(doc.doc) : stored.document(doc.doc, fields));
            }
            return documents;
        }
        List<java.util.concurrent.Callable<Document>> reads = new ArrayList<>(docs.length);
        for (ScoreDoc doc : docs) {
            // A StoredFields instance is not to be shared between threads: one a read.
            reads.add(() -> fields == null ? searcher.storedFields().document(doc.doc) : searcher.storedFields().document(doc.doc, fields));
        }
        // Not Lucene's TaskExecutor: two reads of one page share its fetch and so its failure, one exception that
        // TaskExecutor would add to itself as suppressed; Tasks.runAll reports it once.
        try {
            return Tasks.runAll(executor, reads);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** An index searcher over this index's partitions, sliced as {@link #slices} says. */
    private class PartitionSearcher extends IndexSearcher {
        PartitionSearcher(IndexReader reader, ExecutorService executor) {
            super(reader, executor);
        }

        @Override
        protected LeafSlice[] slices(List<LeafReaderContext> leaves) {
            return CommittedIndex.this.slices(leaves);
        }
    }

    /**
     * Reads {@code metadata.lance}, fetches and verifies the files into {@code cacheRoot} (a local
     * root's files are opened where they lie, their footers checked), and opens them.
     *
     * @throws NotCommittedException if the root has no metadata.lance
     */
    public static CommittedIndex open(ObjectStore store, Path cacheRoot, int threads, Progress progress) {
        return openFull(store, readMetadata(store), cacheRoot, threads, progress);
    }

    /**
     * Reads {@code metadata.lance} and opens the generation the way {@code reading} resolves for
     * it: lazily, through a page cache under {@code cacheRoot} that this index owns and closes, or
     * in full (a local root in place, else downloaded into {@code cacheRoot}).
     *
     * @throws NotCommittedException if the root has no metadata.lance
     */
    public static CommittedIndex open(ObjectStore store, Reading reading, Path cacheRoot, int threads, Progress progress) {
        IndexMetadata metadata = readMetadata(store);
        if (reading.fetch().resolve(store.location(), metadata) != FetchMode.LAZY) {
            return openFull(store, metadata, cacheRoot, threads, progress);
        }
        PageCache pages = reading.openPageCache(cacheRoot);
        try {
            CommittedIndex index = openLazy(store, metadata, pages, threads);
            index.ownedPages = pages;
            return index;
        } catch (RuntimeException | Error e) {
            pages.close();
            throw e;
        }
    }

    private static CommittedIndex openFull(ObjectStore store, IndexMetadata metadata, Path cacheRoot, int threads, Progress progress) {
        List<Path> directories = inPlace(store, metadata).orElseGet(() -> new IndexCache(cacheRoot, threads).fetch(store, metadata, progress));
        try {
            return openLocal(metadata, directories, threads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the cached index under " + cacheRoot + ": " + e.getMessage(), e);
        }
    }

    /**
     * The partition directories of a generation whose files are on this machine (a local root),
     * to be opened where they lie, after each committed file's size and footer checksum were
     * checked against the metadata; empty for a store elsewhere (its files are fetched).
     *
     * @throws CorruptIndexException naming every file that does not match
     */
    public static Optional<List<Path>> inPlace(ObjectStore store, IndexMetadata metadata) {
        Optional<List<Path>> directories = localDirectories(store, metadata);
        if (directories.isPresent()) {
            List<String> problems = new ArrayList<>();
            for (CommittedPartition partition : metadata.partitions()) {
                for (FileEntry file : partition.files()) {
                    LuceneFiles.checkFooter(store, partition.key(file), file, "the metadata").ifPresent(problems::add);
                }
            }
            if (!problems.isEmpty()) {
                throw new CorruptIndexException("index " + metadata.indexId() + " in " + store.location() + " does not match its metadata",
                        problems);
            }
        }
        return directories;
    }

    /**
     * Where the partitions of a generation in a local root lie (the one place that decides a
     * generation is read in place), unchecked; empty for a store elsewhere.
     */
    public static Optional<List<Path>> localDirectories(ObjectStore store, IndexMetadata metadata) {
        if (!(store instanceof SupportsLocalFiles local)) {
            return Optional.empty();
        }
        return Optional.of(metadata.partitions().stream()
                .map(partition -> local.localFile(partition.key(partition.files().getFirst())).getParent()).toList());
    }

    /** Opens an index whose partitions are already in local directories (tests, benchmarks). */
    public static CommittedIndex openLocal(IndexMetadata metadata, List<Path> partitionDirectories, int threads) throws IOException {
        return new CommittedIndex(metadata, partitionDirectories.size(), i -> new MMapDirectory(partitionDirectories.get(i)), threads);
    }

    /**
     * Opens only {@code partitions} (their numbers in the generation) of a generation whose
     * partitions are in local directories ({@code partitionDirectories}, one per partition of the
     * generation): a shard, as {@link #openLazyShard} opens one where it lies.
     */
    public static CommittedIndex openLocalShard(IndexMetadata metadata, List<Path> partitionDirectories, int threads,
                                                java.util.SortedSet<Integer> partitions) throws IOException {
        return new CommittedIndex(metadata, checkedNumbers(metadata, partitions), n -> new MMapDirectory(partitionDirectories.get(n)), threads,
                false);
    }

    /**
     * Reads {@code metadata.lance} and opens every partition where it lies, with one request a
     * partition (its hotcache); queries then read the pages they need through {@code cache},
     * each checked against the hotcache's block checksums. Nothing is downloaded ahead.
     *
     * @throws NotCommittedException if the root has no metadata.lance
     * @throws IllegalArgumentException if a partition has no hotcache (committed by ftindex 0.1):
     *     such an index is read with {@link #open}
     */
    public static CommittedIndex openLazy(ObjectStore store, PageCache cache, int threads) {
        return openLazy(store, readMetadata(store), cache, threads);
    }

    /** {@link #openLazy(ObjectStore, PageCache, int)} of metadata already read from {@code store}. */
    public static CommittedIndex openLazy(ObjectStore store, IndexMetadata metadata, PageCache cache, int threads) {
        return openLazy(store, metadata, cache, threads, java.util.stream.IntStream.range(0, metadata.partitions().size()).toArray());
    }

    /** Opens partitions {@code numbers} (ascending) of the generation where they lie. */
    private static CommittedIndex openLazy(ObjectStore store, IndexMetadata metadata, PageCache cache, int threads, int[] numbers) {
        List<CommittedPartition> partitions = metadata.partitions();
        try {
            return new CommittedIndex(metadata, numbers, n -> LazyDirectory.open(store, metadata, partitions.get(n), cache), threads, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open generation " + metadata.indexId() + " in " + store.location() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens only {@code partitions} (their numbers in the generation) where they lie: a shard of a
     * generation that several nodes serve. Its hits name the generation's partition numbers; to
     * score as the whole generation does, search it with the statistics of every shard summed
     * ({@link #termStatistics}, {@link #search(SearchRequest, Map)}).
     */
    public static CommittedIndex openLazyShard(ObjectStore store, IndexMetadata metadata, PageCache cache, int threads,
                                               java.util.SortedSet<Integer> partitions) {
        return openLazy(store, metadata, cache, threads, checkedNumbers(metadata, partitions));
    }

    private static int[] checkedNumbers(IndexMetadata metadata, java.util.SortedSet<Integer> partitions) {
        int count = metadata.partitions().size();
        for (int n : partitions) {
            if (n < 0 || n >= count) {
                throw new IllegalArgumentException("partition " + n + " is not in generation " + metadata.indexId() + " (0.." + (count - 1) + ")");
            }
        }
        return partitions.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The generation's numbers of the partitions this index holds. */
    public List<Integer> partitions() {
        return java.util.Arrays.stream(partitionNumbers).boxed().toList();
    }

    /**
     * A shard's part of the statistics phase ({@link ShardSearch}): the document frequency and total
     * term frequency, over this index's partitions, of every term {@code text} scores with (after
     * rewriting, as the search does), which a router sums over the shards of a generation; and for
     * each fuzzy term, this index's best expansions ({@link Expansions}), from which the router
     * decides one expansion for the whole generation. The fuzzy terms' own expansions are left out
     * of the term statistics: the router's expansion carries its statistics.
     */
    public ShardSearch.Statistics statistics(String text) {
        Query query = parse(text);
        IndexSearcher searcher = newSearcher();
        try {
            List<org.apache.lucene.search.FuzzyQuery> fuzzies = Expansions.fuzzies(query);
            List<Expansions.Candidates> candidates = new ArrayList<>(fuzzies.size());
            List<Expansions.Expansion> nothing = new ArrayList<>(fuzzies.size());
            for (org.apache.lucene.search.FuzzyQuery fuzzy : fuzzies) {
                Expansions.Candidates best = Expansions.candidates(fuzzy, searcher);
                candidates.add(best);
                nothing.add(new Expansions.Expansion(best.key(), List.of(), 0, 0));
            }
            Query rewritten = searcher.rewrite(Expansions.substitute(query, nothing, searcher));
            java.util.Set<Term> terms = new java.util.TreeSet<>();
            rewritten.visit(QueryVisitor.termCollector(terms));
            List<TermStatistic> statistics = new ArrayList<>(terms.size());
            for (Term term : terms) {
                TermStates states = TermStates.build(searcher, term, true);
                statistics.add(new TermStatistic(term.field(), term.text(), states.docFreq(), states.totalTermFreq()));
            }
            return new ShardSearch.Statistics(statistics, candidates);
        } catch (PageCorruptException e) {
            throw damaged(e);
        } catch (IndexSearcher.TooManyClauses e) {
            throw tooManyClauses(text);
        } catch (IOException e) {
            throw new UncheckedIOException("reading term statistics failed: " + e.getMessage(), e);
        }
    }

    /** The terms {@code text} scores with and their statistics over this index's partitions ({@link #statistics}' terms). */
    public List<TermStatistic> termStatistics(String text) {
        return statistics(text).terms();
    }

    /**
     * One term's statistics over some partitions: summed over a generation's shards, they are the
     * statistics one searcher over all partitions uses.
     */
    public record TermStatistic(String field, String term, long docFreq, long totalTermFreq) {
        public TermStatistic {
            requireNonNull(field, "field is null");
            requireNonNull(term, "term is null");
            if (docFreq < 0 || totalTermFreq < 0) {
                throw new IllegalArgumentException("negative statistics for " + field + ":" + term);
            }
        }

        /** Statistics of the same term summed. */
        public TermStatistic plus(TermStatistic other) {
            return new TermStatistic(field, term, docFreq + other.docFreq, totalTermFreq + other.totalTermFreq);
        }
    }

    /** Whether every partition of {@code metadata} can be opened by {@link #openLazy}: each has a hotcache. */
    public static boolean readableInPlace(IndexMetadata metadata) {
        return metadata.partitions().stream().allMatch(LazyDirectory::hasHotcache);
    }

    static IndexMetadata readMetadata(ObjectStore store) {
        try {
            return StoredJson.read(store, IndexLayout.METADATA, IndexMetadata.class);
        } catch (ObjectNotFoundException e) {
            throw new NotCommittedException(store.location());
        }
    }

    public IndexMetadata metadata() {
        return metadata;
    }

    /** Parses {@code text} as every path does ({@link QueryLanguage}), with this index's limits. */
    public Query parse(String text) {
        return language.parse(text);
    }

    /** The limits every search of this index has (by default {@link QueryLimits#DEFAULT}); a server sets its own. */
    public void useLimits(QueryLimits limits) {
        this.language = new QueryLanguage(metadata.spec(), analyzer, limits);
    }

    public QueryLimits limits() {
        return language.limits();
    }

    /** The query parsing every reader of an index with this spec uses (with the default limits). */
    public static Query parse(IndexSpec spec, Analyzer analyzer, String text) {
        return new QueryLanguage(spec, analyzer, QueryLimits.DEFAULT).parse(text);
    }

    /** The ordering of a relevance result: score, then id. */
    public static Sort order(IndexSpec spec) {
        return SortOrder.RELEVANCE.lucene(spec);
    }

    /** The best {@code k} hits for {@code text}, with their stored fields. */
    public SearchResult search(String text, int k) {
        return search(SearchRequest.top(text, k));
    }

    /**
     * The best {@code k} hits for {@code text}; without {@code storedFields}, each hit's fields are
     * empty and only its id is read (a run file needs no more).
     */
    public SearchResult search(String text, int k, boolean storedFields) {
        return search(SearchRequest.top(text, k).withStoredFields(storedFields));
    }

    /** One page of hits for {@code request}: the order's hits {@code from} to {@code from + k}. */
    public SearchResult search(SearchRequest request) {
        return search(request, newSearcher());
    }

    /**
     * As {@link #search(SearchRequest)}, scored with the statistics of the whole generation rather
     * than of this index's partitions: the terms' {@code statistics} summed over every shard, and
     * the fields' statistics from the commit (which sums them over every partition). A shard's
     * hits, merged with the other shards' by score and then id, are then the hits of one searcher
     * over the whole generation, with the same scores bit for bit.
     */
    public SearchResult search(SearchRequest request, Map<String, TermStatistic> statistics) {
        return search(request, scoredAsWhole(statistics));
    }

    /**
     * A shard's part of a search spread over shards ({@link ShardSearch}): its best
     * {@code request.depth()} hits in the request's order, scored with the whole generation's
     * statistics (as {@link #search(SearchRequest, Map)}) and its fuzzy terms expanded as the router
     * decided, each hit with its address for {@link #fetch} and its sort values for the merge; and
     * the full counts of the facets (every value), which the router sums. No stored field is read
     * but the id.
     */
    public ShardSearch.Result searchShard(ShardSearch.Request request) {
        IndexSearcher whole = scoredAsWhole(request.statistics(), Expansions.blended(request.expansions()));
        SearchRequest asked = request.search();
        try {
            Query query = language.filtered(Expansions.substitute(parse(asked.query()), request.expansions(), whole), filters(asked));
            Searched searched = run(asked, whole, query, asked.k());
            List<ShardSearch.Hit> hits = new ArrayList<>(searched.top().scoreDocs.length);
            List<Document> documents = documents(whole, searched.top().scoreDocs, idOnly);
            for (int i = 0; i < searched.top().scoreDocs.length; i++) {
                ScoreDoc scoreDoc = searched.top().scoreDocs[i];
                int sub = ReaderUtil.subIndex(scoreDoc.doc, partitionStarts);
                hits.add(new ShardSearch.Hit(documents.get(i).get(metadata.spec().idField()), score(scoreDoc),
                        partitionNumbers[sub], scoreDoc.doc - partitionStarts[sub], SortOrder.values((FieldDoc) scoreDoc)));
            }
            return new ShardSearch.Result(hits, count(searched.top().totalHits), searched.facets(), searched.timedOut());
        } catch (PageCorruptException e) {
            throw damaged(e);
        } catch (IOException e) {
            throw new UncheckedIOException("search failed: " + e.getMessage(), e);
        }
    }

    /**
     * The stored fields of the documents at {@code addresses} (in this index's partitions), in
     * their order; with {@code highlight}, snippets of {@code text}'s matches, as a search of this
     * index would mark them.
     *
     * @throws IllegalArgumentException naming an address this index does not hold
     */
    public List<ShardSearch.Stored> fetch(String text, boolean highlight, List<ShardSearch.Address> addresses) {
        ScoreDoc[] docs = new ScoreDoc[addresses.size()];
        for (int i = 0; i < docs.length; i++) {
            ShardSearch.Address address = addresses.get(i);
            int sub = java.util.Arrays.binarySearch(partitionNumbers, address.partition());
            if (sub < 0) {
                throw new IllegalArgumentException("partition " + address.partition() + " of generation " + metadata.indexId()
                        + " is not held here (partitions " + partitions() + ")");
            }
            int end = sub + 1 < partitionStarts.length ? partitionStarts[sub + 1] : reader.maxDoc();
            if (address.doc() >= end - partitionStarts[sub]) {
                throw new IllegalArgumentException("partition " + address.partition() + " of generation " + metadata.indexId()
                        + " has no document " + address.doc());
            }
            docs[i] = new ScoreDoc(partitionStarts[sub] + address.doc(), Float.NaN);
        }
        try {
            Map<String, String[]> snippets = highlight && docs.length > 0
                    ? highlight(parse(text), new TotalHits(docs.length, TotalHits.Relation.EQUAL_TO), docs) : Map.of();
            List<Document> documents = documents(searcher, docs, null);
            List<ShardSearch.Stored> fetched = new ArrayList<>(docs.length);
            for (int i = 0; i < docs.length; i++) {
                fetched.add(new ShardSearch.Stored(fields(documents.get(i)), highlights(snippets, i)));
            }
            return fetched;
        } catch (PageCorruptException e) {
            throw damaged(e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading stored fields failed: " + e.getMessage(), e);
        }
    }

    /**
     * A searcher over this index's partitions that scores with the statistics of the whole
     * generation: the terms' {@code statistics} summed over every shard, and the fields'
     * statistics from the commit (which sums them over every partition).
     */
    private IndexSearcher scoredAsWhole(Map<String, TermStatistic> statistics) {
        return scoredAsWhole(statistics, Map.of());
    }

    /**
     * As {@link #scoredAsWhole(Map)}, leaving the statistics of expanded fuzzy terms as their
     * queries carry them ({@link Expansions#blended}).
     */
    private IndexSearcher scoredAsWhole(Map<String, TermStatistic> statistics, Map<String, java.util.Set<List<Long>>> blended) {
        IndexSearcher global = new PartitionSearcher(reader, executor) {
            @Override
            public TermStatistics termStatistics(Term term, int docFreq, long totalTermFreq) throws IOException {
                String key = statisticKey(term.field(), term.text());
                if (blended.getOrDefault(key, java.util.Set.of()).contains(List.of((long) docFreq, totalTermFreq))) {
                    return super.termStatistics(term, docFreq, totalTermFreq);
                }
                TermStatistic summed = statistics.get(key);
                return summed == null || summed.docFreq() == 0 ? super.termStatistics(term, docFreq, totalTermFreq)
                        : new TermStatistics(term.bytes(), summed.docFreq(), Math.max(summed.totalTermFreq(), summed.docFreq()));
            }

            @Override
            public CollectionStatistics collectionStatistics(String field) {
                FieldStats stats = metadata.fieldStats().get(field);
                return stats == null || stats.docCount() == 0 ? null
                        : new CollectionStatistics(field, metadata.totals().docs(), stats.docCount(), stats.sumTotalTermFreq(), stats.sumDocFreq());
            }
        };
        global.setSimilarity(searcher.getSimilarity());
        return global;
    }

    private static SearchResult.Count count(TotalHits totalHits) {
        return new SearchResult.Count(totalHits.value(),
                totalHits.relation() == TotalHits.Relation.EQUAL_TO ? SearchResult.Relation.EQ : SearchResult.Relation.GTE);
    }

    private static Map<String, String> highlights(Map<String, String[]> snippets, int i) {
        Map<String, String> highlights = new java.util.TreeMap<>();
        for (Map.Entry<String, String[]> field : snippets.entrySet()) {
            if (field.getValue()[i] != null) {
                highlights.put(field.getKey(), field.getValue()[i]);
            }
        }
        return highlights;
    }

    /** A page that failed verification, as every reader of this index reports it. */
    private CorruptIndexException damaged(PageCorruptException e) {
        return new CorruptIndexException("a page of generation " + metadata.indexId() + " failed verification", List.of(e.getMessage()));
    }

    /** The key of a term in the statistics a router sends: "field\u0000term". */
    public static String statisticKey(String field, String term) {
        return field + '\u0000' + term;
    }

    private SearchResult search(SearchRequest request, IndexSearcher searcher) {
        long start = System.nanoTime();
        Query query = parse(request.query());
        try {
            Searched searched = run(request, searcher, language.filtered(query, filters(request)), request.from() + request.k());
            TopFieldDocs top = searched.top();
            ScoreDoc[] page = java.util.Arrays.copyOfRange(top.scoreDocs, Math.min(request.from(), top.scoreDocs.length), top.scoreDocs.length);
            Map<String, String[]> snippets = request.highlight() && page.length > 0 ? highlight(query, top.totalHits, page) : Map.of();
            List<SearchResult.Hit> hits = new ArrayList<>(page.length);
            List<Document> documents = documents(searcher, page, request.storedFields() ? null : idOnly);
            for (int i = 0; i < page.length; i++) {
                ScoreDoc scoreDoc = page[i];
                Document document = documents.get(i);
                int partition = partitionNumbers[ReaderUtil.subIndex(scoreDoc.doc, partitionStarts)];
                List<Object> sortValues = SortOrder.values((FieldDoc) scoreDoc);
                hits.add(new SearchResult.Hit(document.get(metadata.spec().idField()), score(scoreDoc), partition,
                        request.storedFields() ? fields(document) : Map.of(), highlights(snippets, i),
                        request.sort().relevance() ? List.of() : request.sort().shown(sortValues)));
            }
            String after = page.length == request.k() ? new Cursor(request.sort().describe(), SortOrder.values((FieldDoc) page[page.length - 1])).token()
                    : null;
            return new SearchResult(metadata.indexId(), request.query(), request.k(), request.from(), count(top.totalHits), hits,
                    (System.nanoTime() - start) / 1e9, request.sort().relevance() ? null : request.sort().describe(), after,
                    searched.timedOut() ? Boolean.TRUE : null, FacetCounts.finish(request.facets(), searched.facets()));
        } catch (PageCorruptException e) {
            throw damaged(e);
        } catch (IOException e) {
            throw new UncheckedIOException("search failed: " + e.getMessage(), e);
        }
    }

    private List<Query> filters(SearchRequest request) {
        List<Query> filters = new ArrayList<>(request.filters().size());
        for (String filter : request.filters()) {
            filters.add(parse(filter));
        }
        return filters;
    }

    /** What one run of a query over this index's partitions found: the top hits of its order, the facets' full counts, whether it stopped early. */
    private record Searched(TopFieldDocs top, List<FacetResult> facets, boolean timedOut) {}

    /**
     * Runs {@code query} for {@code request}'s order, page depth, cursor and facets, within the
     * deadline: the one search every path makes. Hits carry scores whatever the order.
     *
     * @throws QueryLimitException past the deadline (unless partial results were asked for), or
     *     when the query expands to more clauses than Lucene allows
     */
    private Searched run(SearchRequest request, IndexSearcher searcher, Query query, int depth) throws IOException {
        Sort sort = request.sort().lucene(metadata.spec()).rewrite(searcher);
        FieldDoc after = null;
        if (request.after() != null) {
            try {
                after = new FieldDoc(Integer.MAX_VALUE, Float.NaN, SortOrder.lucene(request.after().values(), sort));
            } catch (IllegalArgumentException e) {
                throw QuerySyntaxException.of("after", e.getMessage());
            }
        }
        long timeout = language.limits().timeout().toMillis();
        searcher.setTimeout(new org.apache.lucene.index.QueryTimeoutImpl(timeout));
        PerPartitionTops tops = new PerPartitionTops(sort, depth, after);
        TopFieldDocs top;
        List<FacetResult> facets = List.of();
        try {
            if (request.facets().isEmpty()) {
                top = searcher.search(query, tops);
            } else {
                Object[] both = searcher.search(query, new MultiCollectorManager(tops, new FacetsCollectorManager()));
                top = (TopFieldDocs) both[0];
                facets = FacetCounts.count(request.facets(), metadata.spec(), (FacetsCollector) both[1], this::keywordState);
            }
            if (searcher.timedOut() && !request.partial()) {
                throw new QueryLimitException(QueryLimitException.Limit.TIMEOUT, "the search ran past its deadline of " + timeout + " ms"
                        + " (ask with partial=true for the hits found by then)");
            }
            TopFieldCollector.populateScores(top.scoreDocs, searcher, query);
        } catch (IndexSearcher.TooManyClauses e) {
            throw tooManyClauses(request.query());
        }
        return new Searched(top, facets, searcher.timedOut());
    }

    /**
     * The top hits of every partition collected on their own (a collector a partition, none of
     * them sharing a count threshold or a minimum score with another), then merged: so the hits and
     * the count are the same whichever partitions a slice groups and whichever thread runs first.
     * The count is exact while no partition has more than {@value #TOTAL_HITS_THRESHOLD} hits, and
     * otherwise the sum of each partition's lower bound: what one serve, a router summing its
     * shards, and the lazy and full readers all report.
     */
    private static final class PerPartitionTops implements org.apache.lucene.search.CollectorManager<PerPartitionTops.Collector, TopFieldDocs> {
        private final Sort sort;
        private final int depth;
        private final FieldDoc after;

        PerPartitionTops(Sort sort, int depth, FieldDoc after) {
            this.sort = sort;
            this.depth = depth;
            this.after = after;
        }

        private TopFieldCollector newPartitionCollector() {
            return new TopFieldCollectorManager(sort, depth, after, TOTAL_HITS_THRESHOLD).newCollector();
        }

        @Override
        public Collector newCollector() {
            return new Collector(newPartitionCollector().scoreMode());
        }

        @Override
        public TopFieldDocs reduce(java.util.Collection<Collector> collectors) throws IOException {
            List<TopFieldDocs> partitions = new ArrayList<>();
            for (Collector collector : collectors) {
                for (TopFieldCollector partition : collector.partitions) {
                    partitions.add(partition.topDocs());
                }
            }
            return TopDocs.merge(sort, 0, depth, partitions.toArray(TopFieldDocs[]::new));
        }

        /** A slice's collector: one {@link TopFieldCollector} for each partition (leaf) it is given. */
        final class Collector implements org.apache.lucene.search.Collector {
            private final org.apache.lucene.search.ScoreMode scoreMode;
            private final List<TopFieldCollector> partitions = new ArrayList<>();

            Collector(org.apache.lucene.search.ScoreMode scoreMode) {
                this.scoreMode = scoreMode;
            }

            @Override
            public org.apache.lucene.search.LeafCollector getLeafCollector(LeafReaderContext context) throws IOException {
                TopFieldCollector partition = newPartitionCollector();
                partitions.add(partition);
                return partition.getLeafCollector(context);
            }

            @Override
            public org.apache.lucene.search.ScoreMode scoreMode() {
                return scoreMode;
            }
        }
    }

    private QueryLimitException tooManyClauses(String text) {
        return new QueryLimitException(QueryLimitException.Limit.CLAUSES, "the query '" + (text.length() > 60 ? text.substring(0, 57) + "..."
                : text) + "' expands to more than " + IndexSearcher.getMaxClauseCount() + " clauses (fuzzy terms expand to up to 50 each):"
                + " search with fewer terms");
    }

    private StringDocValuesReaderState keywordState(String field) {
        return keywordStates.computeIfAbsent(field, name -> {
            try {
                return new StringDocValuesReaderState(reader, name);
            } catch (IOException e) {
                throw new UncheckedIOException("reading the values of " + name + " failed: " + e.getMessage(), e);
            }
        });
    }

    /** A new searcher over every partition of this index, as a search uses (one a search: it carries the search's deadline). */
    private IndexSearcher newSearcher() {
        IndexSearcher fresh = new PartitionSearcher(reader, executor);
        fresh.setSimilarity(searcher.getSimilarity());
        return fresh;
    }

    private static float score(ScoreDoc scoreDoc) {
        return scoreDoc instanceof FieldDoc fieldDoc && !Float.isNaN(fieldDoc.score) ? fieldDoc.score : scoreDoc.score;
    }

    /**
     * Snippets of the page's stored text fields with the query's words marked ({@code <mark>},
     * the rest HTML-escaped), by Lucene's {@code UnifiedHighlighter} re-analyzing the stored text
     * with the field's analyzer; a field without a match has none.
     */
    private Map<String, String[]> highlight(Query query, TotalHits totalHits, ScoreDoc[] page) throws IOException {
        String[] fields = metadata.spec().fields().entrySet().stream()
                .filter(field -> field.getValue().type() == IndexSpec.FieldType.TEXT && field.getValue().stored())
                .map(Map.Entry::getKey).sorted().toArray(String[]::new);
        if (fields.length == 0) {
            return Map.of();
        }
        UnifiedHighlighter highlighter = UnifiedHighlighter.builder(searcher, analyzer)
                .withFormatter(new DefaultPassageFormatter("<mark>", "</mark>", " … ", true))
                .withMaxNoHighlightPassages(0)
                .withMaxLength(HIGHLIGHT_MAX_CHARS)
                .build();
        int[] passages = new int[fields.length];
        java.util.Arrays.fill(passages, 2);
        return highlighter.highlightFields(fields, query, new org.apache.lucene.search.TopDocs(totalHits, page), passages);
    }

    private Map<String, Object> fields(Document document) {
        Map<String, Object> fields = new java.util.TreeMap<>();
        for (IndexableField field : document.getFields()) {
            if (field.name().equals(metadata.spec().idField())) {
                continue;
            }
            Object value = field.numericValue() != null ? field.numericValue() : field.stringValue();
            fields.merge(field.name(), value, (existing, added) -> {
                List<Object> values = existing instanceof List<?> list ? new ArrayList<>(list) : new ArrayList<>(List.of(existing));
                values.add(added);
                return values;
            });
        }
        return fields;
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        analyzer.close();
        if (ownedPages != null) {
            ownedPages.close();
        }
    }

}
