package dev.ftindex.server;

import dev.ftindex.search.SearchRequest;
import dev.ftindex.search.SearchResult;
import java.util.List;
import java.util.Optional;

/**
 * What answers a server's public API ({@link SearchServer} keeps the HTTP side: parameters,
 * admission, errors, metrics of queries): the generations this process opens
 * ({@link LocalBackend}), or shard servers it routes to ({@link Router}).
 */
sealed interface Backend extends AutoCloseable permits LocalBackend, Router {
    /** Starts following the generations (polls, refreshes); registers what it adds to {@code /metrics}. */
    void start(ServerMetrics metrics);

    /**
     * One page of hits from exactly one generation.
     *
     * @param partial whether partitions with no live shard server may be left out (and named)
     *     rather than fail the query (a router's choice; a local backend has every partition)
     * @throws ServerException with {@link dev.ftindex.format.ErrorKind#NOT_READY} before a generation is open
     */
    Answer search(SearchRequest request);

    /** The name of the generation that answers now; empty before one does. */
    Optional<String> serving();

    /** What {@code /health} shows. */
    Object health(boolean draining);

    @Override
    void close();

    /**
     * A page of hits and where they come from.
     *
     * @param location the index root of the generation that answered
     * @param generation its name, null for an index root
     * @param missingPartitions partitions left out of a partial answer (empty when it is whole)
     */
    record Answer(String location, String generation, SearchResult result, List<Integer> missingPartitions) {
        public Answer {
            missingPartitions = List.copyOf(missingPartitions);
        }
    }
}
