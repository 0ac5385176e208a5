package dev.ftindex.server;

import static java.util.Objects.requireNonNull;

import dev.ftindex.search.CommittedIndex;
import dev.ftindex.search.Cursor;
import dev.ftindex.search.Expansions;
import dev.ftindex.search.FacetRequest;
import dev.ftindex.search.ShardSearch;
import dev.ftindex.search.SortOrder;
import java.util.List;
import java.util.Map;

/**
 * The internal API a router speaks to shard servers, version 2: JSON over HTTP/1.1 under
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
 *   <li>{@code POST statistics} {@link StatisticsRequest}: {@link ShardSearch.Statistics}, the query's terms over the
 *       shard's partitions and its best expansions of each fuzzy term.
 *   <li>{@code POST search} {@link SearchRequest}: a {@link ShardSearch.Result}, scored with the statistics given, its
 *       fuzzy terms expanded as given, in the order asked, with the facets' full counts.
 *   <li>{@code POST fetch} {@link FetchRequest}: {@link Fetched}, stored fields (and snippets) of the addresses given.
 * </ul>
 *
 * <p>Version 2 added filters, sorts, cursors, facets, partial results and the expansions of fuzzy
 * terms (version 1 had only the query); a version-1 router gets 404 from a version-2 shard and
 * says so in {@code /health}.
 */
final class ShardProtocol {
    static final int VERSION = 2;
    static final String PREFIX = "/internal/v2/";
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
     * partition and document counts, when it was committed, which of its partitions this server
     * holds, and its spec's fields with their types.
     */
    record Open(String generation, String indexId, String location, int partitions, long documents, String committedAt, List<Integer> held,
                Map<String, String> fields) {
        Open {
            requireNonNull(indexId, "indexId is null");
            held = List.copyOf(held);
            fields = fields == null ? Map.of() : Map.copyOf(fields);
        }

        static Open of(ServedGeneration.Identity identity) {
            return new Open(identity.generation(), identity.indexId(), identity.location(), identity.partitions(), identity.docs(),
                    identity.committedAt().toString(), identity.held(), identity.fields());
        }
    }

    record StatisticsRequest(String indexId, String query) {
        StatisticsRequest {
            requireNonNull(indexId, "indexId is null");
            requireNonNull(query, "query is null");
        }
    }

    /**
     * One search of a shard: the public request's query, filters, order, cursor, facets and
     * {@code partial}; {@code depth}, how many of the best hits to return ({@code from + k} of the
     * page the router builds); the generation's statistics of the query's terms; the expansions of
     * its fuzzy terms.
     *
     * @param sort the order's {@link SortOrder#describe description}
     * @param after the cursor's token, if the page starts after one
     * @param facets the facets' {@link FacetRequest#describe descriptions}
     */
    record SearchRequest(String indexId, String query, List<String> filters, String sort, String after, int depth, List<String> facets,
                         boolean partial, List<CommittedIndex.TermStatistic> statistics, List<Expansions.Expansion> expansions) {
        SearchRequest {
            requireNonNull(indexId, "indexId is null");
            requireNonNull(query, "query is null");
            filters = filters == null ? List.of() : List.copyOf(filters);
            facets = facets == null ? List.of() : List.copyOf(facets);
            statistics = statistics == null ? List.of() : List.copyOf(statistics);
            expansions = expansions == null ? List.of() : List.copyOf(expansions);
            if (depth < 1 || depth > dev.ftindex.search.SearchRequest.MAX_WINDOW) {
                throw new IllegalArgumentException("depth must be 1 to " + dev.ftindex.search.SearchRequest.MAX_WINDOW + ", not " + depth);
            }
        }

        static SearchRequest of(String indexId, dev.ftindex.search.SearchRequest request, Map<String, CommittedIndex.TermStatistic> statistics,
                                List<Expansions.Expansion> expansions) {
            return new SearchRequest(indexId, request.query(), request.filters(), request.sort().describe(),
                    request.after() == null ? null : request.after().token(), request.from() + request.k(),
                    request.facets().stream().map(FacetRequest::describe).toList(), request.partial(), List.copyOf(statistics.values()), expansions);
        }

        /** The shard's part: the same search, {@code depth} deep from the start of the order (or the cursor). */
        ShardSearch.Request shard() {
            dev.ftindex.search.SearchRequest search = new dev.ftindex.search.SearchRequest(query, depth, 0, false, false, filters,
                    SortOrder.parse(sort), after == null ? null : Cursor.parse(after), facets.stream().map(FacetRequest::parse).toList(), partial);
            return new ShardSearch.Request(search, ShardSearch.sum(List.of(statistics)), expansions);
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
