package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.moe4j.io.Json;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompletionServerTest {
    static ServedModel model;
    static CompletionServer server;
    static TestClient client;

    @BeforeAll
    static void start() throws Exception {
        model = TinyModel.served(64);
        server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withLimits(4096, 8, 16, 100));
        client = new TestClient(server.baseUri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void bindsToLoopbackByDefault() {
        assertEquals("127.0.0.1", ServerConfig.defaults().host());
        assertEquals(8080, ServerConfig.defaults().port());
        assertTrue(server.address().getAddress().isLoopbackAddress(), server.address().toString());
    }

    @Test
    void aGreedyCompletionIsTheSingleSequenceGeneratorsAndCountsItsTokens() throws Exception {
        TestClient.Response r = client.post("/v1/completions", TestClient.greedy("Call me Ishmael.", 12, "\"model\":\"tiny\""));
        assertEquals(200, r.status(), r.body());
        assertEquals(TinyModel.greedyAlone(model, "Call me Ishmael.", 12), r.text());
        Map<?, ?> json = r.json();
        assertEquals("text_completion", json.get("object"));
        assertEquals("tiny", json.get("model"));
        Map<?, ?> usage = (Map<?, ?>) json.get("usage");
        assertEquals(16L, usage.get("prompt_tokens"));
        assertEquals(12L, usage.get("completion_tokens"));
        assertEquals(28L, usage.get("total_tokens"));
        assertEquals("length", ((Map<?, ?>) ((List<?>) json.get("choices")).getFirst()).get("finish_reason"));
    }

    @Test
    void maxTokensStopsAtTheContext() throws Exception {
        String prompt = "x".repeat(60);
        TestClient.Response r = client.post("/v1/completions", TestClient.greedy(prompt, 50, ""));
        assertEquals(200, r.status(), r.body());
        assertEquals(4L, ((Map<?, ?>) r.json().get("usage")).get("completion_tokens"), "64 - 60 tokens fit");
        assertEquals(TinyModel.greedyAlone(model, prompt, 50), r.text());
    }

    @Test
    void streamingSendsTheSameTextAsEventsThenDone() throws Exception {
        String prompt = "It was the best of times";
        HttpRequest req = client.builder("/v1/completions")
                .POST(HttpRequest.BodyPublishers.ofString(TestClient.greedy(prompt, 20, "\"stream\":true"))).build();
        TestClient.Response r = client.send(req);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            assertTrue(block.startsWith("data: "), block);
            events.add(block.substring(6));
        }
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String e : events.subList(0, events.size() - 1)) {
            Map<?, ?> chunk = (Map<?, ?>) Json.parse(e);
            Map<?, ?> choice = (Map<?, ?>) ((List<?>) chunk.get("choices")).getFirst();
            text.append(choice.get("text"));
            if (choice.get("finish_reason") != null) finish = (String) choice.get("finish_reason");
        }
        assertTrue(events.size() > 3, "one event per piece of text: " + events.size());
        assertEquals("length", finish);
        assertEquals(TinyModel.greedyAlone(model, prompt, 20), text.toString());
    }

    @Test
    void aStopStringEndsTheCompletionBeforeIt() throws Exception {
        String prompt = "Stop here";
        String full = TinyModel.greedyAlone(model, prompt, 20);
        // a stop string taken from the middle of the greedy text: everything from it on is cut
        int at = full.length() / 2;
        String stop = full.substring(at, at + 2);
        String expected = full.substring(0, full.indexOf(stop));
        for (String stopJson : List.of(Json.quote(stop), "[\"zzzzzz\"," + Json.quote(stop) + "]")) {
            TestClient.Response r = client.post("/v1/completions", TestClient.greedy(prompt, 20, "\"stop\":" + stopJson));
            assertEquals(200, r.status(), r.body());
            assertEquals(expected, r.text());
            assertEquals("stop", ((Map<?, ?>) ((List<?>) r.json().get("choices")).getFirst()).get("finish_reason"));
        }
    }

    @Test
    void anAnswerThatReachesTheEndOfTheContextEndsWithLength() throws Exception {
        // the context holds 64 positions; a 59-byte prompt leaves room for 5 tokens of the 50 asked
        String prompt = "x".repeat(59);
        TestClient.Response r = client.post("/v1/completions", TestClient.greedy(prompt, 50, ""));
        assertEquals(200, r.status(), r.body());
        assertEquals(5L, ((Map<?, ?>) r.json().get("usage")).get("completion_tokens"));
        assertEquals("length", ((Map<?, ?>) ((List<?>) r.json().get("choices")).getFirst()).get("finish_reason"));
        assertEquals(TinyModel.greedyAlone(model, prompt, 5), r.text());
    }

    @Test
    void modelsHealthAndMetricsAnswer() throws Exception {
        assertEquals(200, client.post("/v1/completions", TestClient.greedy("metrics", 3, "")).status());
        TestClient.Response models = client.get("/v1/models");
        assertEquals(200, models.status());
        Map<?, ?> first = (Map<?, ?>) ((List<?>) models.json().get("data")).getFirst();
        assertEquals("tiny", first.get("id"));
        assertEquals(64L, first.get("context_length"));
        TestClient.Response health = client.get("/health");
        assertEquals("ok", health.json().get("status"));
        TestClient.Response metrics = client.get("/metrics");
        assertEquals(200, metrics.status());
        String text = metrics.body();
        assertTrue(text.contains("moe4j_requests_total{status=\"200\"}"), text);
        assertTrue(text.contains("moe4j_request_duration_seconds_bucket{le=\"+Inf\"}"), text);
        assertTrue(text.contains("moe4j_batch_size_count"), text);
        assertTrue(text.contains("moe4j_queue_length 0"), text);
        assertTrue(text.contains("# TYPE moe4j_generated_tokens_per_second gauge"), text);
        long expertTokens = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("moe4j_expert_tokens_total{layer=\"0\",expert=")) expertTokens += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
            assertFalse(line.startsWith("moe4j_expert_tokens_total{layer=\"1\""), "layer 1 is dense: " + line);
        }
        // top-2 without capacity limits: every token fed to the model took two expert slots of layer 0;
        // fed = the prompts + every drawn token but each sequence's last
        long prompt = value(text, "moe4j_prompt_tokens_total");
        long generated = value(text, "moe4j_generated_tokens_total");
        assertEquals(0, expertTokens % 2);
        assertTrue(expertTokens > 2 * prompt && expertTokens < 2 * (prompt + generated),
                expertTokens + " expert slots for " + prompt + " prompt and " + generated + " generated tokens");
    }

    private static long value(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ")) return (long) Double.parseDouble(line.substring(name.length() + 1));
        }
        throw new AssertionError(name + " not in\n" + metrics);
    }

    @Test
    void unknownPathsAndWrongMethodsAreJsonErrors() throws Exception {
        TestClient.Response missing = client.get("/v1/chat/nothing");
        assertEquals(404, missing.status());
        assertTrue(missing.json().containsKey("error"));
        TestClient.Response wrong = client.get("/v1/completions");
        assertEquals(405, wrong.status());
        assertEquals("POST", wrong.raw().headers().firstValue("Allow").orElse(""));
        assertEquals(404, client.post("/v1/completionsX", "{}").status());
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        TestClient.Response r = client.post("/v1/completions", TestClient.greedy("a".repeat(5000), 2, ""));
        assertEquals(413, r.status(), r.body());
        assertTrue(r.body().contains("4096"), r.body());
    }
}
