package org.moe4j.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.moe4j.io.Json;

/** A loopback HTTP client with timeouts everywhere, for the server tests. */
final class TestClient {
    record Response(int status, String body, HttpResponse<String> raw) {
        Map<?, ?> json() {
            return (Map<?, ?>) Json.parse(body);
        }

        /** The param of an OpenAI-style error body. */
        Object errorParam() {
            return ((Map<?, ?>) json().get("error")).get("param");
        }

        /** choices[0].text */
        String text() {
            return (String) ((Map<?, ?>) ((java.util.List<?>) json().get("choices")).getFirst()).get("text");
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String apiKey;

    TestClient(URI base) {
        this(base, null);
    }

    TestClient(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    Response post(String path, String body) throws IOException, InterruptedException {
        return send(builder(path).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build());
    }

    Response get(String path) throws IOException, InterruptedException {
        return send(builder(path).GET().build());
    }

    Response send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r);
    }

    HttpRequest.Builder builder(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        return b;
    }

    /** A completion request body: greedy, the given prompt and max_tokens, plus extra JSON members. */
    static String greedy(String prompt, int maxTokens, String extra) {
        return "{\"prompt\":" + Json.quote(prompt) + ",\"max_tokens\":" + maxTokens + ",\"temperature\":0"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }
}
