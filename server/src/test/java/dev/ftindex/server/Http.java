package dev.ftindex.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ftindex.format.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/** A real HTTP client against a server on 127.0.0.1. */
final class Http {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    Http(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    record Response(int status, String body, java.net.http.HttpHeaders headers) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    Response get(String path) {
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response.headers());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("GET " + path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Response search(String query, int k) {
        return get("/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&k=" + k);
    }

    /** Polls {@code /health} until {@code condition} holds. */
    JsonNode awaitHealth(Predicate<JsonNode> condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode health = null;
        while (System.nanoTime() < deadline) {
            health = get("/health").json();
            if (condition.test(health)) {
                return health;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for " + what + "; /health: " + health);
    }

    static boolean serving(JsonNode health, String generation) {
        return health.path("serving").path("generation").asText("").equals(generation);
    }
}
