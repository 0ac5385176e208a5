package dev.ftindex.cli;

import dev.ftindex.search.BatchSearch;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.Cursor;
import dev.ftindex.search.FacetRequest;
import dev.ftindex.search.FacetResult;
import dev.ftindex.search.IndexCache;
import dev.ftindex.search.QueryLimitException;
import dev.ftindex.search.Reading;
import dev.ftindex.search.SearchRequest;
import dev.ftindex.search.SearchResult;
import dev.ftindex.search.SortOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ftindex search}: query a committed index, once or with a file of queries. */
@Command(name = "search",
        header = "search a committed index (Lucene query syntax), one query or a file of them",
        customSynopsis = {"ftindex search --index URI [--k N] [--json] QUERY...",
            "       ftindex search --index URI --queries FILE --output RUN [--format trec|jsonl] [--k 1000]"},
        description = {
            "Searches a committed index, or the generation a collection's alias names (--index on a collection, or",
            "--collection C [--generation G]), as one index, so scores are those of the whole collection. On S3 it is",
            "read where it lies (--fetch lazy): one request opens a partition, a query reads the pages it needs, each",
            "checked against the checksums the worker recorded, through a page cache bounded by --cache-size. Local",
            "roots, and generations committed by ftindex 0.1, are fetched once into a local cache instead",
            "(--fetch full: verified by size and checksum, shared safely between processes). QUERY uses Lucene's classic syntax over the spec's default search fields:",
            "words, \"phrases\", AND/OR/NOT, +required -excluded, field:value, prefix*, fuzzy~1, boost^2.",
            "Hits are ordered by score, then by id.",
            "",
            "--queries runs a topics file (one 'id<TAB>query' per line, as Anserini's topics) in one process and",
            "writes a run file: TREC's 'qid Q0 docid rank score tag' (the default), or one JSON result per line.",
            "Every query is parsed first: a bad line fails the run before any search, naming the line."},
        footer = {
            "  ftindex search --index s3://bucket/idx --k 10 \"distributed index\"",
            "  ftindex search --index ./demo-index 'title:genesis AND light' --json",
            "  ftindex search --collection s3://bucket/products --queries topics.tsv --output run.trec --k 1000"})
final class SearchCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nSearch:%n", order = 10)
    Group search = new Group();

    @Parameters(paramLabel = "QUERY", arity = "0..*", description = "the query; several words are joined with spaces")
    List<String> query = new ArrayList<>();

    @Mixin
    ReadingOptions reading;

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--k", paramLabel = "N", description = "how many hits (default 10; with --queries 1000)")
        Integer k;

        @Option(names = "--from", paramLabel = "N", description = "hits of the order to skip: the second page of 10 is --from 10 (default 0)")
        int from;

        @Option(names = "--highlight", description = "show snippets of the stored text fields with the matched words marked")
        boolean highlight;

        @Option(names = "--filter", paramLabel = "QUERY", description = "only hits that match QUERY too, scores unchanged (repeatable):"
                + " --filter source:kjv --filter 'words:[100 TO *]'")
        List<String> filters = new ArrayList<>();

        @Option(names = "--sort", paramLabel = "KEYS", description = "the order: keyword, long or double fields and _score, comma-separated,"
                + " each :asc (default) or :desc, e.g. words:desc,source; the id always comes last (default: _score, then id)")
        String sort;

        @Option(names = "--facet", paramLabel = "FACET", description = "count the matching documents (repeatable): FIELD or FIELD:top=N"
                + " (top values), FIELD:ranges=..100,100..500,500.. (half-open), FIELD:interval=100 (histogram)")
        List<String> facets = new ArrayList<>();

        @Option(names = "--after", paramLabel = "CURSOR", description = "the page after this cursor (the 'after' of the previous page, with"
                + " the same --sort): walks every hit once, past the 10,000 that --from reaches")
        String after;

        @Option(names = "--query-timeout", paramLabel = "DURATION", description = "how long the search may run (default 5s); past it, exit 75"
                + " query-timeout")
        String queryTimeout;

        @Option(names = "--queries", paramLabel = "FILE", description = "a topics file: one 'id<TAB>query' per line")
        Path queries;

        @Option(names = "--output", paramLabel = "RUN", description = "where --queries writes its run file")
        Path runFile;

        @Option(names = "--format", paramLabel = "FORMAT", description = "the run file's format: trec (default) or jsonl")
        String format = "trec";

        @Option(names = "--tag", paramLabel = "TAG", description = "the run tag of the TREC format (default ftindex)")
        String tag = "ftindex";

        @Option(names = "--cache-dir", paramLabel = "DIR", description = "the local cache (default $FTINDEX_CACHE, else ~/.cache/ftindex)")
        Path cacheDir;

        @Option(names = "--threads", paramLabel = "N", description = "fetch and search threads (default 8)")
        int threads = 8;

        @Option(names = "--json", description = "print the JSON result instead of text")
        boolean json;
    }

    @Override
    public OutputOptions output() {
        return output;
    }

    @Override
    public Outcome run(Context context) {
        String text = String.join(" ", query);
        boolean batch = search.queries != null;
        if (batch && !text.isBlank()) {
            throw new UsageException("give QUERY or --queries FILE, not both");
        }
        if (!batch && text.isBlank()) {
            throw new UsageException("give a query, e.g. ftindex search --index ./idx \"distributed index\" (or --queries FILE)");
        }
        if (batch && (!search.filters.isEmpty() || search.sort != null || !search.facets.isEmpty() || search.after != null)) {
            throw new UsageException("--filter, --sort, --facet and --after are for one QUERY, not --queries (a run file is ranked by relevance)");
        }
        if (batch && search.runFile == null) {
            throw new UsageException("--queries needs --output RUN: where to write the run file");
        }
        if (!batch && search.runFile != null) {
            throw new UsageException("--output is for --queries");
        }
        int k = search.k != null ? search.k : batch ? 1000 : 10;
        if (k < 1) {
            throw new UsageException("--k must be positive: " + k);
        }
        BatchSearch.Format format;
        try {
            format = BatchSearch.Format.parse(search.format);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        List<BatchSearch.Topic> topics = batch ? BatchSearch.readTopics(search.queries) : List.of();
        Path cache = search.cacheDir != null ? search.cacheDir : IndexCache.defaultRoot();
        Reading reading = this.reading.reading();
        try (Stores stores = store.open(context.environment())) {
            Target.Root root = store.target(stores).root();
            context.console().root(root.store().location());
            CommittedIndex opened;
            try {
                opened = CommittedIndex.open(root.store(), reading, cache, search.threads, context.console().progress());
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            try (CommittedIndex committed = opened) {
                if (batch) {
                    BatchSearch.Summary summary = BatchSearch.run(committed, topics, k, format, search.tag, search.runFile, search.threads,
                            context.console().progress());
                    context.console().info(String.format(Locale.ROOT, "%d queries, %,d hits written to %s (%.1f queries/s)",
                            summary.queries(), summary.hits(), summary.output(), summary.queriesPerSecond()));
                    return Outcome.json(Results.of("search", root, summary));
                }
                SearchRequest request;
                try {
                    request = new SearchRequest(text, k, search.from, true, search.highlight, search.filters, SortOrder.parse(search.sort),
                            search.after == null ? null : Cursor.parse(search.after), search.facets.stream().map(FacetRequest::parse).toList(),
                            false);
                    if (search.queryTimeout != null) {
                        committed.useLimits(committed.limits().withTimeout(Durations.parse("--query-timeout", search.queryTimeout)));
                    }
                } catch (QueryLimitException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
                SearchResult result = committed.search(request);
                return new Outcome(Results.of("search", root, result), ExitCode.OK, search.json ? null : text(result));
            }
        }
    }

    static String text(SearchResult result) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%s%,d hits for %s (index %s, %.0f ms)%s%n", result.count().totalHitsRelation() == SearchResult.Relation.EQ ? "" : "at least ",
                result.totalHits(), result.query(), result.indexId(), result.seconds() * 1000,
                result.sort() == null ? "" : ", sorted by " + result.sort()));
        int rank = result.from() + 1;
        for (SearchResult.Hit hit : result.hits()) {
            text.append(String.format(Locale.ROOT, "%3d. %-28s score %.4f  partition %d%n", rank++, hit.id(), hit.score(), hit.partition()));
            for (Map.Entry<String, String> snippet : hit.highlights().entrySet()) {
                text.append(String.format(Locale.ROOT, "       %s: %s%n", snippet.getKey(), snippet.getValue().replace("<mark>", "[").replace("</mark>", "]")));
            }
            for (Map.Entry<String, Object> field : hit.fields().entrySet()) {
                String value = String.valueOf(field.getValue());
                text.append(String.format(Locale.ROOT, "       %s: %s%n", field.getKey(), value.length() > 100 ? value.substring(0, 97) + "..." : value));
            }
        }
        for (FacetResult facet : result.facets()) {
            text.append(String.format(Locale.ROOT, "%nfacet %s (%s%s):%n", facet.field(), facet.kind().json(),
                    facet.values() == null ? "" : String.format(Locale.ROOT, ", %,d %s", facet.values(), facet.values() == 1 ? "value" : "values")));
            for (FacetResult.Bucket bucket : facet.buckets()) {
                String label = bucket.value() != null ? String.valueOf(bucket.value())
                        : (bucket.from() == null ? "" : bucket.from().toPlainString()) + ".." + (bucket.to() == null ? "" : bucket.to().toPlainString());
                text.append(String.format(Locale.ROOT, "  %-30s %,10d%n", label, bucket.count()));
            }
        }
        if (result.after() != null) {
            text.append(String.format(Locale.ROOT, "%nnext page: --after %s%n", result.after()));
        }
        return text.toString();
    }
}
