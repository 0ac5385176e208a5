package dev.ftindex.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.ftindex.format.ErrorKind;
import dev.ftindex.format.FailureReport;
import dev.ftindex.format.Json;
import dev.ftindex.search.ShardSearch;
import java.io.IOException;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A shard server's side of {@link ShardProtocol}: answers a router from the generation it names,
 * held for the request as {@code /search} holds one, so a swap in between changes nothing.
 * Failures come back with the JSON error body and the status of their kind: {@code 400} for a
 * query the parser refuses (the router gives it to the client as it is), {@code 410} for a
 * generation that is not open here (the router asks another replica, or moves on), {@code 502}
 * for a page that failed verification.
 */
final class ShardApi {
    private static final Logger LOG = Logger.getLogger(ShardApi.class.getName());

    private final Serving serving;
    private final PartitionSelection partitions;

    ShardApi(Serving serving, PartitionSelection partitions) {
        this.serving = serving;
        this.partitions = partitions;
    }

    /** A response: its status and JSON body. */
    record Reply(int status, byte[] body) {}

    /**
     * A reader that ignores members it does not know: a newer router or shard may add some within
     * one version of the protocol, and its peers read on.
     */
    static <T> T read(byte[] body, Class<T> type) throws IOException {
        ObjectReader reader = Json.MAPPER.readerFor(type).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        return reader.readValue(body);
    }

    Reply handle(String method, String path, byte[] body) {
        try {
            return switch (path) {
                case ShardProtocol.GENERATIONS -> ok(new ShardProtocol.Generations(ShardProtocol.VERSION,
                        serving.serving().map(ServedGeneration.Identity::indexId).orElse(null),
                        serving.routable().stream().map(ShardProtocol.Open::of).toList()));
                case ShardProtocol.STATISTICS -> {
                    requirePost(method);
                    ShardProtocol.StatisticsRequest request = read(body, ShardProtocol.StatisticsRequest.class);
                    try (ServedGenerations.Lease lease = lease(request.indexId())) {
                        yield ok(lease.generation().index().statistics(request.query()));
                    }
                }
                case ShardProtocol.SEARCH -> {
                    requirePost(method);
                    ShardProtocol.SearchRequest request = read(body, ShardProtocol.SearchRequest.class);
                    ShardSearch.Request search;
                    try {
                        search = request.shard();
                    } catch (IllegalArgumentException e) {
                        throw new ServerException(ErrorKind.USAGE, e.getMessage());
                    }
                    try (ServedGenerations.Lease lease = lease(request.indexId())) {
                        ShardSearch.Result result = lease.generation().index().searchShard(search);
                        serving.answered(request.query());
                        yield ok(result);
                    }
                }
                case ShardProtocol.FETCH -> {
                    requirePost(method);
                    ShardProtocol.FetchRequest request = read(body, ShardProtocol.FetchRequest.class);
                    try (ServedGenerations.Lease lease = lease(request.indexId())) {
                        yield ok(new ShardProtocol.Fetched(lease.generation().index().fetch(request.query(), request.highlight(),
                                request.addresses())));
                    }
                }
                default -> failed(ErrorKind.NOT_FOUND, "no such path: " + path + " (version " + ShardProtocol.VERSION + " of the internal API has "
                        + ShardProtocol.GENERATIONS + ", " + ShardProtocol.STATISTICS + ", " + ShardProtocol.SEARCH + ", " + ShardProtocol.FETCH + ")");
            };
        } catch (IOException e) {
            return failed(ErrorKind.USAGE, "the request body is not a request of version " + ShardProtocol.VERSION + ": " + e.getMessage());
        } catch (RuntimeException e) {
            ErrorKind kind = ErrorKind.of(e);
            if (kind.httpStatus() >= 500) {
                LOG.log(Level.WARNING, "internal request " + path + " failed", e);
            }
            return failed(kind, String.valueOf(e.getMessage()));
        }
    }

    private ServedGenerations.Lease lease(String indexId) {
        Optional<ServedGenerations.Lease> lease = serving.acquire(indexId);
        if (lease.isEmpty()) {
            throw new ServerException(ErrorKind.GENERATION_NOT_OPEN, "index " + indexId + " is not open on this server (partitions " + partitions
                    + "; open: " + serving.routable().stream().map(ServedGeneration.Identity::indexId).toList() + ")");
        }
        return lease.get();
    }

    private static void requirePost(String method) {
        if (!method.equals("POST")) {
            throw new ServerException(ErrorKind.METHOD_NOT_ALLOWED, "the internal API takes its requests as POST bodies");
        }
    }

    private static Reply ok(Object value) {
        try {
            return new Reply(200, Json.COMPACT.writeValueAsBytes(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write a reply: " + e.getMessage(), e);
        }
    }

    private static Reply failed(ErrorKind kind, String message) {
        return new Reply(kind.httpStatus(), Json.write(FailureReport.ofRequest(kind, message)));
    }
}
