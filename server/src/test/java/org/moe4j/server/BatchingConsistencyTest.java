package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.moe4j.tensor.Rng;

/** Continuous batching must not change answers: a greedy completion is the same alone and among 31 others. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BatchingConsistencyTest {
    @Test
    void greedyCompletionsAreTheSameAloneAndAmong31ConcurrentRequests() throws Exception {
        ServedModel model = TinyModel.served(96);
        Rng rng = new Rng(11);
        List<String> prompts = new ArrayList<>();
        List<Integer> maxTokens = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            StringBuilder p = new StringBuilder();
            int length = 1 + rng.nextInt(40);
            for (int c = 0; c < length; c++) p.append((char) ('a' + rng.nextInt(26)));
            prompts.add(p.toString());
            maxTokens.add(8 + rng.nextInt(40));
        }
        try (CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withLimits(1 << 16, 32, 64, 64));
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            TestClient client = new TestClient(server.baseUri());
            List<String> alone = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                TestClient.Response r = client.post("/v1/completions", TestClient.greedy(prompts.get(i), maxTokens.get(i), ""));
                assertEquals(200, r.status(), r.body());
                alone.add(r.text());
                assertEquals(TinyModel.greedyAlone(model, prompts.get(i), maxTokens.get(i)), r.text(), "served alone = EngineGenerator, prompt " + i);
            }
            String batchHistogramBefore = batchesOverOne(client.get("/metrics").body());
            assertEquals("0", batchHistogramBefore, "requests one after another run alone");

            CountDownLatch go = new CountDownLatch(1);
            List<Future<TestClient.Response>> together = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                int k = i;
                together.add(clients.submit(() -> {
                    go.await();
                    return client.post("/v1/completions", TestClient.greedy(prompts.get(k), maxTokens.get(k), ""));
                }));
            }
            go.countDown();
            for (int i = 0; i < 32; i++) {
                TestClient.Response r = together.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(200, r.status(), r.body());
                assertEquals(alone.get(i), r.text(), "prompt " + i + " among 31 others");
            }
            assertNotEquals("0", batchesOverOne(client.get("/metrics").body()), "the concurrent requests shared steps");
        }
    }

    /** Steps with more than one sequence, from the batch size histogram. */
    private static String batchesOverOne(String metrics) {
        long one = -1;
        long all = -1;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("moe4j_batch_size_bucket{le=\"1\"} ")) one = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
            if (line.startsWith("moe4j_batch_size_count ")) all = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
        }
        assertTrue(one >= 0 && all >= 0, metrics);
        return Long.toString(all - one);
    }
}
