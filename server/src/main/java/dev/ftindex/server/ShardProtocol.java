package dev.ftindex.server;

import static java.util.Objects.requireNonNull;

import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.ShardSearch;
import java.util.List;

/**
 * The internal API a router speaks to shard servers, version 1: JSON over HTTP/1.1 under
 * {@value #PREFIX}. JSON because the answers are small (term statistics, a few hundred hits, one
 * page of stored fields), the public API is JSON already (one mapper, one server, one error body),
 * and an operator can ask a shard with curl; Jackson writes a float as the shortest decimal that
 * reads back to the same float, so scores cross the wire bit for bit. The version is in the path:
 * a change that old routers cannot read gets a new prefix, served beside the old one while a
 * fleet is upgraded. Every request but {@code generations} names the generation by its index id,
 * so a shard answers it from that generation or not at all ({@code 410}: not open here).
 *
 * <ul>
 *   <li>{@code GET generations}: {@link Generations}.
 *   <li>{@code POST statistics} {@link StatisticsRequest}: {@link Statistics}, the query's terms over the shard's partitions.
 *   <li>{@code POST search} {@link SearchRequest}: a {@link ShardSearch.Result}, scored with the statistics given.
 *   <li>{@code POST fetch} {@link FetchRequest}: {@link Fetched}, stored fields (and snippets) of the addresses given.
 * </ul>
 */
final class ShardProtocol {
    static final int VERSION = 1;
    static final String PREFIX = "/internal/v1/";
    static final String GENERATIONS = PREFIX + "generations";
    static final String STATISTICS = PREFIX + "statistics";
    static final String SEARCH = PREFIX + "search";
    static final String FETCH = PREFIX + "fetch";

    private ShardProtocol() {}

    /**
     * What a shard server has open: the generation the alias names for it now ({@code current}, or
     * null before the first is open) and every generation a router may still ask for, current first.
     */
    record Generations(int version, String current, List<Open> open) {
        Generations {
            open = List.copyOf(open);
        }
    }

    /**
     * One open generation: its name (null for an index root), index id, where it lies, its
     * partition and document counts, when it was committed, and which of its partitions this
     * server holds.
     */
    record Open(String generation, String indexId, String location, int partitions, long documents, String committedAt, List<Integer> held) {
        Open {
            requireNonNull(indexId, "indexId is null");
            held = List.copyOf(held);
        }

        static Open of(ServedGeneration.Identity identity) {
            return new Open(identity.generation(), identity.indexId(), identity.location(), identity.partitions(), identity.docs(),
                    identity.committedAt().toString(), identity.held());
        }
    }

    record StatisticsRequest(String indexId, String query) {
        StatisticsRequest {
            requireNonNull(indexId, "indexId is null");
            requireNonNull(query, "query is null");
        }
    }

    record Statistics(List<CommittedIndex.TermStatistic> terms) {}

    /** @param depth how many of the best hits to return ({@code from + k} of the page the router builds) */
    record SearchRequest(String indexId, String query, int depth, List<CommittedIndex.TermStatistic> statistics) {
        SearchRequest {
            requireNonNull(indexId, "indexId is null");
            requireNonNull(query, "query is null");
            statistics = statistics == null ? List.of() : List.copyOf(statistics);
            if (depth < 1 || depth > dev.ftindex.search.SearchRequest.MAX_WINDOW) {
                throw new IllegalArgumentException("depth must be 1 to " + dev.ftindex.search.SearchRequest.MAX_WINDOW + ", not " + depth);
            }
        }
    }

    record FetchRequest(String indexId, String query, boolean highlight, List<ShardSearch.Address> addresses) {
        FetchRequest {
            requireNonNull(indexId, "indexId is null");
            requireNonNull(query, "query is null");
            addresses = List.copyOf(addresses);
        }
    }

    record Fetched(List<ShardSearch.Stored> documents) {}
}
