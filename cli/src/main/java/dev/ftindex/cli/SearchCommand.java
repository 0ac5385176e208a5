package dev.ftindex.cli;

import dev.ftindex.cli.Options.Option;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.IndexCache;
import dev.ftindex.search.SearchResult;
import dev.ftindex.storage.ObjectStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code ftindex search}: query a committed index. */
final class SearchCommand implements Command {
    private final Options options = new Options("search", "--index URI [--k N] [--json] QUERY...",
            """
            Searches a committed index. The files are fetched once into a local cache (verified by size and
            checksum; shared safely between processes) and searched as one index, so scores are those of the
            whole collection. QUERY uses Lucene's classic syntax over the spec's default search fields:
            words, "phrases", AND/OR/NOT, +required -excluded, field:value, prefix*, fuzzy~1, boost^2.
            Hits are ordered by score, then by id.
            """,
            """
              ftindex search --index s3://bucket/idx --k 10 "distributed index"
              ftindex search --index ./demo-index 'title:genesis AND light' --json
            """)
            .group("Search", List.of(
                    Option.value("k", "N", "how many hits (default 10)"),
                    Option.value("cache-dir", "DIR", "the local cache (default $FTINDEX_CACHE, else ~/.cache/ftindex)"),
                    Option.value("threads", "N", "fetch and search threads (default 8)"),
                    Option.flag("json", "print the JSON result instead of text")))
            .group("Index root and S3", StoreOptions.OPTIONS)
            .group("Output", Cli.OUTPUT_OPTIONS);

    @Override
    public String name() {
        return "search";
    }

    @Override
    public String summary() {
        return "search a committed index (Lucene query syntax)";
    }

    @Override
    public Options options() {
        return options;
    }

    @Override
    public boolean positional() {
        return true;
    }

    @Override
    public Outcome run(Options.Parsed args, Context context) {
        String query = String.join(" ", args.positional());
        if (query.isBlank()) {
            throw new UsageException("give a query, e.g. ftindex search --index ./idx \"distributed index\"");
        }
        int k = args.integer("k", 10);
        Path cache = args.optional("cache-dir").map(Path::of).orElseGet(IndexCache::defaultRoot);
        try (StoreOptions stores = new StoreOptions(args, context.environment())) {
            ObjectStore index = stores.open(StoreOptions.location(args.required("index")));
            try (CommittedIndex committed = CommittedIndex.open(index, cache, args.integer("threads", 8), context.console().progress())) {
                SearchResult result = committed.search(query, k);
                return new Outcome(Results.of(name(), index.location(), result), ExitCodes.OK,
                        args.flag("json") ? null : text(result));
            }
        }
    }

    static String text(SearchResult result) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%s%,d hits for %s (index %s, %.0f ms)%n", result.totalHitsRelation().equals("eq") ? "" : "at least ",
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
