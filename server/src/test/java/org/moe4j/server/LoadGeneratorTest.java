package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoadGeneratorTest {
    @Test
    void measuresEveryRequestOfEachLevelAgainstAnInProcessServer() throws Exception {
        ServedModel model = TinyModel.served(64);
        try (CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0));
             LoadGenerator load = new LoadGenerator(server.baseUri(), null, List.of("one", "two three"), 5, Duration.ofSeconds(20))) {
            LoadGenerator.Level alone = load.run(1, 3);
            LoadGenerator.Level four = load.run(4, 8);
            for (LoadGenerator.Level l : List.of(alone, four)) {
                assertEquals(0, l.failures());
                assertEquals(5L * l.requests(), l.completionTokens(), "every request generated its 5 tokens");
                assertTrue(l.p50() > 0 && l.p50() <= l.p99() && l.p99() <= l.seconds(), l.toString());
            }
            // the server records a request just after its response has left, so the last one may still be on its way
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (server.metrics().requests(200) < 11 + 2 * 2 && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(11 + 2 * 2, server.metrics().requests(200), "the completions and each level's two /metrics scrapes");
            String table = LoadGenerator.table(List.of(alone, four));
            assertTrue(table.contains("| 1 | 3 | 0 |") && table.contains("| 4 | 8 | 0 |"), table);
            assertTrue(table.contains("| 1.00x |"), table);
            assertTrue(table.split("\n")[2].endsWith(" | 1.00x |"), "one client's p99 against itself: " + table);
            // one client, prompts that fit one chunk: a step that reads the prompt and draws, then one per further token
            StepProfile steps = alone.steps();
            assertEquals(15, steps.steps(), steps.toString());
            assertEquals(1.0, steps.meanSequences(), 1e-9);
            assertEquals(3, steps.admissions());
            assertEquals(3, steps.firstTokens());
            assertTrue(steps.stepSeconds() > 0 && steps.stepSeconds() < alone.seconds(), steps.toString());
            // four clients share steps, unless every request happened to finish before the next arrived (this
            // model's steps take tens of microseconds): then a few more levels, one of which must share
            StepProfile shared = four.steps();
            for (int extra = 0; extra < 4 && shared.steps() >= 8 * 5; extra++) shared = load.run(4, 8).steps();
            assertTrue(shared.steps() < 8 * 5, "four clients share steps: " + shared);
            String stepTable = LoadGenerator.stepTable(List.of(alone, four));
            assertTrue(stepTable.contains("| 1 | 15 | ") && stepTable.contains("| 4 | "), stepTable);
        }
    }

    @Test
    void readsOnlyMoe4jsStepCounters() {
        assertNull(StepProfile.scrape("# HELP x\nhttp_requests_total 5\n"), "another server's page");
        var before = StepProfile.scrape("moe4j_steps_total 2\nmoe4j_step_duration_seconds_sum 0.5\nmoe4j_batch_size_sum 4\n"
                + "moe4j_step_prompt_tokens_sum 10\nmoe4j_queue_wait_seconds_count 1\nmoe4j_queue_wait_seconds_sum 0.25\n"
                + "moe4j_time_to_first_token_seconds_count 1\nmoe4j_time_to_first_token_seconds_sum 0.5\nmoe4j_batch_size_bucket{le=\"1\"} 3\n");
        var after = StepProfile.scrape("moe4j_steps_total 6\nmoe4j_step_duration_seconds_sum 1.5\nmoe4j_batch_size_sum 16\n"
                + "moe4j_step_prompt_tokens_sum 30\nmoe4j_queue_wait_seconds_count 3\nmoe4j_queue_wait_seconds_sum 0.45\n"
                + "moe4j_time_to_first_token_seconds_count 2\nmoe4j_time_to_first_token_seconds_sum 0.6\n");
        StepProfile p = StepProfile.between(before, after);
        assertEquals(4, p.steps());
        assertEquals(250.0, p.meanStepMs(), 1e-9);
        assertEquals(3.0, p.meanSequences(), 1e-9);
        assertEquals(5.0, p.promptTokensPerStep(), 1e-9);
        assertEquals(100.0, p.meanQueueWaitMs(), 1e-9);
        assertEquals(100.0, p.meanFirstTokenMs(), 1e-9);
        assertNull(StepProfile.between(null, after));
    }

    @Test
    void chatClientsCallTheChatEndpoint() throws Exception {
        try (CompletionServer server = CompletionServer.start(ChatModel.served(512), ServerConfig.defaults().withPort(0));
             LoadGenerator chat = new LoadGenerator(server.baseUri(), LoadGenerator.Api.CHAT, null, List.of("hi", "how are you?"), 4,
                     Duration.ofSeconds(20))) {
            LoadGenerator.Level l = chat.run(2, 4);
            assertEquals(0, l.failures());
            assertTrue(l.completionTokens() > 0 && l.completionTokens() <= 16, l.toString());
            assertEquals(4 + 2, server.metrics().requests(200), "the completions and the level's two /metrics scrapes");
            assertTrue(server.metrics().render().contains("moe4j_prompt_tokens_total"), "served");
        }
    }

    @Test
    void countsRefusedRequestsAsFailures() throws Exception {
        ServedModel model = TinyModel.served(64);
        try (CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withApiKey("k"));
             LoadGenerator wrongKey = new LoadGenerator(server.baseUri(), "not-k", List.of("x"), 2, Duration.ofSeconds(20))) {
            LoadGenerator.Level l = wrongKey.run(2, 4);
            assertEquals(4, l.failures());
            assertEquals(0, l.completionTokens());
        }
    }

    @Test
    void targetsOnlyLoopback() {
        assertThrows(IllegalArgumentException.class, () -> LoadGenerator.requireLoopback(URI.create("http://192.0.2.1:8080")));
        assertThrows(IllegalArgumentException.class, () -> LoadGenerator.requireLoopback(URI.create("https://127.0.0.1:8080")));
        assertDoesNotThrow(() -> LoadGenerator.requireLoopback(URI.create("http://127.0.0.1:8080")));
        assertDoesNotThrow(() -> LoadGenerator.requireLoopback(URI.create("http://localhost:1")));
    }

    @Test
    void percentilesAreNearestRank() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) v[i] = i + 1;
        assertEquals(50, LoadGenerator.percentile(v, 0.5));
        assertEquals(99, LoadGenerator.percentile(v, 0.99));
        assertEquals(7, LoadGenerator.percentile(new double[] {7}, 0.99));
        assertTrue(Double.isNaN(LoadGenerator.percentile(new double[0], 0.5)));
    }
}
