package dev.ftindex.cli;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.IndexCache;
import dev.ftindex.search.SearchResult;
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

/** {@code ftindex search}: query a committed index. */
@Command(name = "search",
        header = "search a committed index (Lucene query syntax)",
        customSynopsis = "ftindex search --index URI [--k N] [--json] QUERY...",
        description = {
            "Searches a committed index. The files are fetched once into a local cache (verified by size and",
            "checksum; shared safely between processes) and searched as one index, so scores are those of the",
            "whole collection. QUERY uses Lucene's classic syntax over the spec's default search fields:",
            "words, \"phrases\", AND/OR/NOT, +required -excluded, field:value, prefix*, fuzzy~1, boost^2.",
            "Hits are ordered by score, then by id."},
        footer = {
            "  ftindex search --index s3://bucket/idx --k 10 \"distributed index\"",
            "  ftindex search --index ./demo-index 'title:genesis AND light' --json"})
final class SearchCommand implements Verb {
    @ArgGroup(validate = false, heading = "%nSearch:%n", order = 10)
    Group search = new Group();

    @Parameters(paramLabel = "QUERY", arity = "0..*", description = "the query; several words are joined with spaces")
    List<String> query = new ArrayList<>();

    @Mixin
    StoreOptions store;

    @Mixin
    OutputOptions output;

    static final class Group {
        @Option(names = "--k", paramLabel = "N", description = "how many hits (default 10)")
        int k = 10;

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
        if (text.isBlank()) {
            throw new UsageException("give a query, e.g. ftindex search --index ./idx \"distributed index\"");
        }
        Path cache = search.cacheDir != null ? search.cacheDir : IndexCache.defaultRoot();
        try (Stores stores = store.open(context.environment())) {
            ObjectStore index = stores.open(store.index());
            try (CommittedIndex committed = CommittedIndex.open(index, cache, search.threads, context.console().progress())) {
                SearchResult result = committed.search(text, search.k);
                return new Outcome(Results.of("search", index.location(), result), ExitCode.OK, search.json ? null : text(result));
            }
        }
    }

    static String text(SearchResult result) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%s%,d hits for %s (index %s, %.0f ms)%n", result.count().totalHitsRelation() == SearchResult.Relation.EQ ? "" : "at least ",
                result.totalHits(), result.query(), result.indexId(), result.seconds() * 1000));
        int rank = 1;
        for (SearchResult.Hit hit : result.hits()) {
            text.append(String.format(Locale.ROOT, "%3d. %-28s score %.4f  partition %d%n", rank++, hit.id(), hit.score(), hit.partition()));
            for (Map.Entry<String, Object> field : hit.fields().entrySet()) {
                String value = String.valueOf(field.getValue());
                text.append(String.format(Locale.ROOT, "       %s: %s%n", field.getKey(), value.length() > 100 ? value.substring(0, 97) + "..." : value));
            }
        }
        return text.toString();
    }
}
