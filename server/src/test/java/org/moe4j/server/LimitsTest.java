package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** API key, queue limit (429 + Retry-After), and slots freed by clients that leave or time out. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {
    /**
     * An answer the tiny model cannot finish before a 50 ms deadline or before the server sees a closed
     * socket: 1,000 tokens did in under 50 ms once the decode step got faster (over 20,000 tokens/s).
     */
    private static final int LONG_ANSWER = 30_000;
    private static final int LONG_CONTEXT = 32_768;

    @Test
    void anApiKeyIsRequiredEverywhereButHealth() throws Exception {
        ServedModel model = TinyModel.served(32);
        try (CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withApiKey("s3cret"))) {
            TestClient anonymous = new TestClient(server.baseUri());
            TestClient wrong = new TestClient(server.baseUri(), "guess");
            TestClient keyed = new TestClient(server.baseUri(), "s3cret");
            String body = TestClient.greedy("key", 2, "");
            TestClient.Response refused = anonymous.post("/v1/completions", body);
            assertEquals(401, refused.status());
            assertEquals("Bearer", refused.raw().headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, wrong.post("/v1/completions", body).status());
            assertEquals(401, anonymous.get("/metrics").status());
            assertEquals(401, anonymous.get("/v1/models").status());
            assertEquals(200, anonymous.get("/health").status());
            assertEquals(200, keyed.post("/v1/completions", body).status());
            assertEquals(200, keyed.get("/metrics").status());
        }
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndServesTheRest() throws Exception {
        ServedModel model = TinyModel.served(512);
        // one slot, one waiting place: of 12 simultaneous long requests, most must be turned away
        ServerConfig config = ServerConfig.defaults().withPort(0).withLimits(1 << 16, 1, 1, 500);
        try (CompletionServer server = CompletionServer.start(model, config);
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            TestClient client = new TestClient(server.baseUri());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<TestClient.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                answers.add(clients.submit(() -> {
                    go.await();
                    return client.post("/v1/completions", TestClient.greedy("queue", 300, ""));
                }));
            }
            go.countDown();
            int ok = 0;
            int busy = 0;
            for (Future<TestClient.Response> f : answers) {
                TestClient.Response r = f.get(40, TimeUnit.SECONDS);
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertEquals(429, r.status(), r.body());
                    assertEquals("1", r.raw().headers().firstValue("Retry-After").orElse(""));
                    assertTrue(r.body().contains("busy"), r.body());
                    busy++;
                }
            }
            assertTrue(ok >= 1 && ok <= 11 && busy >= 1, ok + " served, " + busy + " refused");
            assertEquals(busy, server.metrics().requests(429));
            assertEquals(200, client.post("/v1/completions", TestClient.greedy("after", 2, "")).status(), "free again");
        }
    }

    @Test
    void aStreamingClientThatDisconnectsFreesItsSlot() throws Exception {
        ServedModel model = TinyModel.served(LONG_CONTEXT);
        try (CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withLimits(1 << 16, 4, 4, LONG_ANSWER))) {
            String body = TestClient.greedy("leave early", LONG_ANSWER, "\"stream\":true");
            try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = socket.getInputStream();
                String start = new String(in.readNBytes(200), StandardCharsets.ISO_8859_1);
                assertTrue(start.startsWith("HTTP/1.1 200"), start);
                assertTrue(start.contains("data: "), start);
            }
            awaitIdle(server, Duration.ofSeconds(20));
            assertEquals(1, server.metrics().requests(CompletionEndpoint.CLIENT_CLOSED));
            assertTrue(server.metrics().generatedTokens() < LONG_ANSWER, server.metrics().generatedTokens() + " tokens: the job was dropped before its end");
            TestClient client = new TestClient(server.baseUri());
            assertTrue(client.get("/metrics").body().contains("moe4j_cancelled_total 1"));
        }
    }

    @Test
    void aRequestThatRunsOutOfTimeIsCancelledWith504() throws Exception {
        ServedModel model = TinyModel.served(LONG_CONTEXT);
        ServerConfig config = ServerConfig.defaults().withPort(0).withLimits(1 << 16, 4, 4, LONG_ANSWER).withRequestTimeout(Duration.ofMillis(50));
        try (CompletionServer server = CompletionServer.start(model, config)) {
            TestClient client = new TestClient(server.baseUri());
            TestClient.Response r = client.post("/v1/completions", TestClient.greedy("slow", LONG_ANSWER, ""));
            assertEquals(504, r.status(), r.body());
            awaitIdle(server, Duration.ofSeconds(20));
            assertTrue(server.metrics().generatedTokens() < LONG_ANSWER, server.metrics().generatedTokens() + " tokens");
        }
    }

    /** Waits until no sequence is active and none is queued (an answer reaches its client just before its sequence is retired). */
    static void awaitIdle(CompletionServer server, Duration limit) throws Exception {
        TestClient client = new TestClient(server.baseUri());
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            var health = client.get("/health").json();
            if (health.get("active_sequences").equals(0L) && health.get("queue_length").equals(0L)) return;
            Thread.sleep(20);
        }
        fail("still busy after " + limit);
    }
}
