package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The warm-up before a server listens: it decodes for the time asked, whole requests, and leaves no trace in what is served. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerWarmUpTest {
    @Test
    void zeroSecondsDecodesNothing() {
        ServerWarmUp.Result r = ServerWarmUp.run(TinyModel.served(96), 32, 0);
        assertEquals(0, r.requests());
        assertEquals(0, r.tokens());
    }

    @Test
    void itDecodesForTheTimeAskedAndEveryFinishedRequestDrawsAllItsTokens() {
        ServerWarmUp.Result r = ServerWarmUp.run(TinyModel.served(96), 32, 1.0);
        assertTrue(r.requests() >= 1, "the first round, one request, always runs to its end: " + r);
        // no stop id ends a made-up request and 24 + 24 tokens fit the context: each draws all 24
        assertEquals((long) r.requests() * ServerWarmUp.MAX_TOKENS, r.tokens(), r.toString());
        assertTrue(r.seconds() >= 1.0, "runs until the time is up: " + r);
        assertTrue(r.seconds() < 30, "stops after the step under way when the time is up: " + r);
    }

    @Test
    void aShortContextShortensThePromptsAndTheAnswers() {
        ServerWarmUp.Result r = ServerWarmUp.run(TinyModel.served(10), 4, 0.3);
        assertTrue(r.requests() >= 1, r.toString());
        // a context of 10: prompts of 9 tokens, one token drawn each
        assertEquals(r.requests(), r.tokens(), r.toString());
    }

    @Test
    void theServerAfterAWarmUpAnswersAsBeforeAndCountsNoneOfIt() throws Exception {
        ServedModel model = TinyModel.served(96);
        ServerWarmUp.Result r = ServerWarmUp.run(model, 32, 0.5);
        assertTrue(r.requests() >= 1, r.toString());
        try (CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0))) {
            TestClient client = new TestClient(server.baseUri());
            TestClient.Response a = client.post("/v1/completions", TestClient.greedy("the warm-up leaves", 12, ""));
            assertEquals(200, a.status(), a.body());
            assertEquals(TinyModel.greedyAlone(model, "the warm-up leaves", 12), a.text());
            String metrics = client.get("/metrics").body();
            assertTrue(metrics.contains("moe4j_generated_tokens_total 12\n"), metrics);
            assertTrue(metrics.contains("moe4j_prompt_tokens_total 18\n"), metrics);
            assertTrue(metrics.contains("moe4j_requests_total{status=\"200\"} 1\n"), metrics);
        }
    }

    @Test
    void theServersOwnHealthCheckPassesOnceListeningIsCountedAndFailsOnceClosed() throws Exception {
        CompletionServer server = CompletionServer.start(TinyModel.served(96), ServerConfig.defaults().withPort(0));
        try (server) {
            server.checkHealth();
            String metrics = new TestClient(server.baseUri()).get("/metrics").body();
            assertTrue(metrics.contains("moe4j_requests_total{status=\"200\"} 1\n"), metrics);
        }
        assertThrows(java.io.IOException.class, server::checkHealth, "nothing listens after close");
    }

    @Test
    void aWarmUpTimeOutsideZeroTo600SecondsIsRefusedNamingTheOption() {
        for (double bad : new double[] {-1, Double.NaN, 601}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerWarmUp.checkSeconds(bad));
            assertEquals("--warm-up is " + bad + ", must be between 0 and 600 seconds", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ServerWarmUp.run(TinyModel.served(96), 32, -1));
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> ServerWarmUp.run(TinyModel.served(96), 0, 1));
        assertEquals("warm-up: max batch is 0, must be >= 1", batch.getMessage());
    }
}
