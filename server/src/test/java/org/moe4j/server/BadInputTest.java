package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad requests get a 400 naming the field, and never disturb the good ones served at the same time. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {
    static ServedModel model;
    static CompletionServer server;
    static TestClient client;

    /** A bad body and the field its error must name (null: the body as a whole). */
    record Bad(String body, String param) {}

    static final List<Bad> BAD = List.of(
            new Bad("{\"prompt\": \"hi\", \"max_tokens\": 4", null),
            new Bad("not json at all", null),
            new Bad("{\"prompt\": \"hi\",}", null),
            new Bad("[\"prompt\"]", null),
            new Bad("", null),
            new Bad("{\"max_tokens\": 4}", "prompt"),
            new Bad("{\"prompt\": \"\"}", "prompt"),
            new Bad("{\"prompt\": 42}", "prompt"),
            new Bad("{\"prompt\": null}", "prompt"),
            new Bad("{\"prompt\": [\"a\", \"b\"]}", "prompt"),
            new Bad("{\"prompt\": \"" + "y".repeat(64) + "\"}", "prompt"),
            new Bad("{\"prompt\": \"hi\", \"max_tokens\": -1}", "max_tokens"),
            new Bad("{\"prompt\": \"hi\", \"max_tokens\": 0}", "max_tokens"),
            new Bad("{\"prompt\": \"hi\", \"max_tokens\": 1000000000000}", "max_tokens"),
            new Bad("{\"prompt\": \"hi\", \"max_tokens\": 1e30}", "max_tokens"),
            new Bad("{\"prompt\": \"hi\", \"max_tokens\": 1e400}", null),
            new Bad("{\"prompt\": \"hi\", \"max_tokens\": 2.5}", "max_tokens"),
            new Bad("{\"prompt\": \"hi\", \"max_tokens\": \"8\"}", "max_tokens"),
            new Bad("{\"prompt\": \"hi\", \"temperature\": -0.5}", "temperature"),
            new Bad("{\"prompt\": \"hi\", \"temperature\": \"hot\"}", "temperature"),
            new Bad("{\"prompt\": \"hi\", \"top_p\": 0}", "top_p"),
            new Bad("{\"prompt\": \"hi\", \"top_p\": 1.5}", "top_p"),
            new Bad("{\"prompt\": \"hi\", \"top_k\": -3}", "top_k"),
            new Bad("{\"prompt\": \"hi\", \"seed\": 1.5}", "seed"),
            new Bad("{\"prompt\": \"hi\", \"stop\": 7}", "stop"),
            new Bad("{\"prompt\": \"hi\", \"stop\": [\"\"]}", "stop"),
            new Bad("{\"prompt\": \"hi\", \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}", "stop"),
            new Bad("{\"prompt\": \"hi\", \"stream\": \"yes\"}", "stream"),
            new Bad("{\"prompt\": \"hi\", \"n\": 3}", "n"),
            new Bad("{\"prompt\": \"hi\", \"echo\": true}", "echo"),
            new Bad("{\"prompt\": \"hi\", \"logprobs\": 5}", "logprobs"),
            new Bad("{\"prompt\": \"hi\", \"frequency_penalty\": 0.5}", "frequency_penalty"),
            new Bad("{\"prompt\": \"hi\", \"max_token\": 8}", "max_token"),
            new Bad("{\"prompt\": \"hi\", \"model\": 3}", "model"));

    @BeforeAll
    static void start() throws Exception {
        model = TinyModel.served(64);
        server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withLimits(1 << 16, 16, 256, 100));
        client = new TestClient(server.baseUri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void eachBadRequestIs400WithAJsonErrorNamingTheField() throws Exception {
        for (Bad bad : BAD) {
            TestClient.Response r = client.post("/v1/completions", bad.body());
            assertEquals(400, r.status(), bad.body() + " -> " + r.body());
            assertEquals(bad.param(), r.errorParam(), bad.body() + " -> " + r.body());
            String message = (String) ((java.util.Map<?, ?>) r.json().get("error")).get("message");
            if (bad.param() != null) assertTrue(message.contains(bad.param()), message);
        }
    }

    @Test
    void theErrorSaysWhatIsAllowed() throws Exception {
        String tooLong = client.post("/v1/completions", "{\"prompt\": \"" + "y".repeat(70) + "\"}").body();
        assertTrue(tooLong.contains("70 tokens") && tooLong.contains("64"), tooLong);
        String huge = client.post("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 101}").body();
        assertTrue(huge.contains("[1, 100]"), huge);
        TestClient.Response unknownModel = client.post("/v1/completions", "{\"prompt\": \"hi\", \"model\": \"gpt-4\"}");
        assertEquals(404, unknownModel.status());
        assertEquals("model", unknownModel.errorParam());
    }

    @Test
    void aBurstOfBadAndGoodRequestsMixedServesEveryGoodOneCorrectly() throws Exception {
        List<String> goodPrompts = List.of("alpha", "bravo charlie", "delta", "echo foxtrot golf", "hotel");
        List<String> expected = goodPrompts.stream().map(p -> TinyModel.greedyAlone(model, p, 10)).toList();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<TestClient.Response>> good = new ArrayList<>();
            List<Future<TestClient.Response>> bad = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (Bad b : BAD) bad.add(clients.submit(() -> {
                    go.await();
                    return client.post("/v1/completions", b.body());
                }));
                for (String p : goodPrompts) good.add(clients.submit(() -> {
                    go.await();
                    return client.post("/v1/completions", TestClient.greedy(p, 10, "\"stream\":false"));
                }));
            }
            go.countDown();
            for (int i = 0; i < bad.size(); i++) {
                TestClient.Response r = bad.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(400, r.status(), r.body());
                assertEquals(BAD.get(i % BAD.size()).param(), r.errorParam());
            }
            for (int i = 0; i < good.size(); i++) {
                TestClient.Response r = good.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(200, r.status(), r.body());
                assertEquals(expected.get(i % goodPrompts.size()), r.text());
            }
        }
        assertEquals("ok", client.get("/health").json().get("status"), "still serving");
        assertEquals(200, client.post("/v1/completions", TestClient.greedy("after", 3, "")).status());
    }
}
