package dev.ftindex.server;

import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.format.progress.Unit;
import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.QueryLimitException;
import dev.ftindex.search.QuerySyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The queries the server answered last, and the warming they give a new generation before it is
 * swapped in (the hook Lucene's {@code SearcherFactory} is for): each is run once, then {@code *:*}.
 */
final class RecentQueries implements GenerationLoader.Warmer {
    private final int capacity;
    private final ConcurrentLinkedDeque<String> queries = new ConcurrentLinkedDeque<>();

    RecentQueries(int capacity) {
        this.capacity = capacity;
    }

    /** Remembers a query that was answered. */
    void answered(String query) {
        queries.addFirst(query);
        while (queries.size() > capacity) {
            queries.pollLast();
        }
    }

    @Override
    public void warm(CommittedIndex index, Progress progress) {
        List<String> warming = new ArrayList<>(queries);
        warming.add("*:*");
        try (Stage stage = progress.stage("warming", Unit.QUERIES, warming.size(), -1)) {
            for (String query : warming) {
                try {
                    index.search(query, 10);
                } catch (QuerySyntaxException | QueryLimitException e) {
                    // A query the old generation answered may not parse with a new spec, or may run past the
                    // deadline on a cold generation: warming is a head start, not a test, and goes on.
                }
                stage.add(1, 0);
            }
        }
    }
}
