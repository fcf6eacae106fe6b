package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.moe4j.io.Json;

/**
 * With the paged KV cache, prefix reuse, chunked prefill and preemption all at work, every greedy
 * answer is still the single-sequence engine's; the metrics show each mechanism did happen.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("slow")
class PagedServingTest {
    static final int CONTEXT = 512;
    static final String SYSTEM = "You are a helpful assistant who answers questions about the sea, ships and whales. "
            + "Keep answers short. Never invent facts.";

    /** A chat body: the shared system prompt and a user message, greedy, {@code maxTokens}. */
    static String body(String user, int maxTokens) {
        return "{\"messages\":[{\"role\":\"system\",\"content\":" + Json.quote(SYSTEM) + "},{\"role\":\"user\",\"content\":"
                + Json.quote(user) + "}],\"max_tokens\":" + maxTokens + ",\"temperature\":0}";
    }

    static List<String> users() {
        List<String> u = new ArrayList<>();
        for (int i = 0; i < 10; i++) u.add("Question " + i + ": how " + "deep ".repeat(i) + "is the sea?");
        u.add("A long one: " + "the whale swims on and on. ".repeat(12));
        return u;
    }

    /** The reference: each conversation's greedy answer decoded alone, split as the server splits it. */
    static List<String> expected(ServedModel model, List<String> users, int maxTokens) {
        List<String> out = new ArrayList<>();
        for (String u : users) {
            int[] prompt = ChatRequest.parse(body(u, maxTokens).getBytes(StandardCharsets.UTF_8), model, 400, () -> 1).generation().promptTokens();
            out.add(ChatCompletionsTest.splitReasoning(ChatModel.decode(model, ChatModel.greedyIds(prompt, maxTokens, CONTEXT)))[1]);
        }
        return out;
    }

    /**
     * Sends all conversations at once (twice each); returns each answer's content. A 429 is retried
     * after a pause, at most 100 times, as the official clients retry it.
     */
    static List<String> burst(CompletionServer server, List<String> users, int maxTokens) throws Exception {
        TestClient client = new TestClient(server.baseUri());
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<TestClient.Response>> answers = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (String u : users) {
                    answers.add(clients.submit(() -> {
                        go.await();
                        TestClient.Response r = client.post("/v1/chat/completions", body(u, maxTokens));
                        for (int retry = 0; r.status() == 429 && retry < 100; retry++) {
                            Thread.sleep(100);
                            r = client.post("/v1/chat/completions", body(u, maxTokens));
                        }
                        return r;
                    }));
                }
            }
            go.countDown();
            List<String> out = new ArrayList<>();
            for (Future<TestClient.Response> f : answers) {
                TestClient.Response r = f.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.status(), r.body());
                out.add((String) ((Map<?, ?>) ((Map<?, ?>) ((List<?>) r.json().get("choices")).getFirst()).get("message")).get("content"));
            }
            return out;
        }
    }

    @Test
    void sharedPrefixesAndChunkedPromptsGiveTheAnswersOfTheEngineAlone() throws Exception {
        ServedModel model = ChatModel.served(CONTEXT);
        List<String> users = users();
        List<String> expected = expected(model, users, 12);
        // room for every prompt of the burst at once (byte-level tokens: about 220 a conversation)
        KvCacheConfig kv = new KvCacheConfig(4096, 4, 16, KvCacheConfig.PrefixReuse.ON);
        try (CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withLimits(1 << 16, 6, 64, 100)
                .withKvCache(kv))) {
            List<String> got = burst(server, users, 12);
            for (int i = 0; i < got.size(); i++) assertEquals(expected.get(i % users.size()), got.get(i), "conversation " + i);
            String metrics = server.metrics().render();
            assertTrue(server.metrics().prefixHitRate() > 0.3, "the system prompt is computed once, then reused: hit rate "
                    + server.metrics().prefixHitRate());
            assertTrue(metrics.contains("moe4j_prefix_hit_rate "), metrics);
            assertTrue(server.metrics().maxStepPromptTokens() <= 16, "no step computes more than one chunk of prompt: "
                    + server.metrics().maxStepPromptTokens());
        }
    }

    @Test
    void aPoolTooSmallForEveryonePreemptsAndStillGivesTheSameAnswers() throws Exception {
        ServedModel model = ChatModel.served(CONTEXT);
        List<String> users = users().subList(0, 10);
        List<String> expected = expected(model, users, 160);
        // blocks for one whole context and a little more: sequences must take turns
        KvCacheConfig kv = new KvCacheConfig(CONTEXT / 8 + 8, 8, 64, KvCacheConfig.PrefixReuse.OFF);
        try (CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withLimits(1 << 16, 8, 64, 300)
                .withKvCache(kv))) {
            TestClient client = new TestClient(server.baseUri());
            List<String> got = new ArrayList<>();
            // two conversations at a time (each asked twice), so their prompts fit when they arrive; as they grow by
            // 160 tokens the pool cannot hold them all
            for (int from = 0; from < users.size(); from += 1) {
                List<String> some = users.subList(from, from + 1);
                List<String> answers = burst(server, some, 160);
                for (int i = 0; i < answers.size(); i++) {
                    assertEquals(expected.get(from + i % some.size()), answers.get(i), "conversation " + (from + i % some.size()));
                }
                got.addAll(answers);
            }
            assertEquals(2 * users.size(), got.size());
            assertTrue(server.metrics().preemptions() > 0, "the pool was too small: some sequences were preempted");
            LimitsTest.awaitIdle(server, java.time.Duration.ofSeconds(10));
        }
    }

    @Test
    void aFullPoolAnswers429WithRetryAfter() throws Exception {
        ServedModel model = ChatModel.served(CONTEXT);
        KvCacheConfig kv = new KvCacheConfig(CONTEXT / 8 + 2, 8, 64, KvCacheConfig.PrefixReuse.OFF);
        try (CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withLimits(1 << 16, 8, 64, 300)
                .withKvCache(kv));
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            TestClient client = new TestClient(server.baseUri());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<TestClient.Response>> answers = new ArrayList<>();
            for (String u : users()) {
                answers.add(clients.submit(() -> {
                    go.await();
                    return client.post("/v1/chat/completions", body(u, 300));
                }));
            }
            go.countDown();
            int full = 0;
            for (Future<TestClient.Response> f : answers) {
                TestClient.Response r = f.get(60, TimeUnit.SECONDS);
                if (r.status() == 429) {
                    full++;
                    assertEquals("1", r.raw().headers().firstValue("Retry-After").orElse(""));
                    assertTrue(r.body().contains("KV cache is full"), r.body());
                } else {
                    assertEquals(200, r.status(), r.body());
                }
            }
            assertTrue(full > 0, "the pool holds about one context: a burst of long prompts must be refused in part");
            // an answer reaches its client a moment before the scheduler has retired its sequence
            LimitsTest.awaitIdle(server, java.time.Duration.ofSeconds(10));
            TestClient.Response after = client.post("/v1/chat/completions", body("after", 3));
            assertEquals(200, after.status(), "served again once the pool is free: " + after.body() + " " + client.get("/health").body());
        }
    }
}
