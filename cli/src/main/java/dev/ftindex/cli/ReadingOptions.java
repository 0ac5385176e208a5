package dev.ftindex.cli;

import dev.ftindex.search.FetchMode;
import dev.ftindex.search.PageCache;
import dev.ftindex.search.Reading;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** How a generation's bytes are read: a mixin of search and serve. */
final class ReadingOptions {
    @ArgGroup(validate = false, heading = "%nReading:%n", order = 40)
    Group group = new Group();

    static final class Group {
        @Option(names = "--fetch", paramLabel = "MODE", description = "auto (default: lazy for s3:// roots), lazy (read the pages a query"
                + " needs where the index lies, through a bounded page cache) or full (download and verify every file first)")
        String fetch = "auto";

        @Option(names = "--cache-size", paramLabel = "SIZE", description = "the most the lazy mode's page cache keeps on disk (default "
                + (PageCache.DEFAULT_SIZE >> 30) + "GiB)")
        String cacheSize;

        @Option(names = "--page-size", paramLabel = "SIZE", description = "how much the lazy mode reads at a time: a power of two,"
                + " at least 4KiB (default " + (PageCache.DEFAULT_PAGE_SIZE >> 10) + "KiB)")
        String pageSize;
    }

    /** What the options say, defaults filled in. */
    Reading reading() {
        try {
            long cacheSize = group.cacheSize == null ? PageCache.DEFAULT_SIZE : ByteCounts.parse("--cache-size", group.cacheSize);
            long pageSize = group.pageSize == null ? PageCache.DEFAULT_PAGE_SIZE : ByteCounts.parse("--page-size", group.pageSize);
            if (pageSize > 1 << 30) {
                throw new UsageException("--page-size must be at most 1GiB: " + group.pageSize);
            }
            return new Reading(FetchMode.parse(group.fetch), cacheSize, (int) pageSize);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
