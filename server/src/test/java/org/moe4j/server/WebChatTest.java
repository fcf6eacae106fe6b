package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.moe4j.io.Json;

/**
 * The web chat at {@code /}, end to end in headless Chromium driven by playwright-core
 * (src/test/clients/webchat.mjs): the page names the model, streams two answers equal to the
 * engine's greedy answers for the same conversation, shows tokens/s, and its stop button ends a
 * long answer, which frees the server's slot.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@Tag("slow")
class WebChatTest {
    static final int CONTEXT = 1024;

    @Test
    void aConversationStreamsAndStopsInTheBrowser() throws Exception {
        ClientTools.requireChromium();
        ClientTools.requireNodePackages();
        ServedModel model = ChatModel.served(CONTEXT);
        String first = "Tell me about whales.";
        String second = "And dolphins?";
        String answer1 = expected(model, "[" + user(first) + "]");
        String answer2 = expected(model, "[" + user(first) + "," + assistant(answer1) + "," + user(second) + "]");
        Path shot = Path.of("target/webchat.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        // each token's text takes 10 ms, so the long third answer (over 900 tokens) is still running when the
        // browser clicks stop, however loaded the machine is; the text is the same (plain UTF-8 of each id's bytes)
        ServedModel slowed = ChatModel.slowed(model, 10);
        try (CompletionServer server = CompletionServer.start(slowed, ServerConfig.defaults().withPort(0).withLimits(1 << 16, 8, 64, 2000))) {
            TestClient client = new TestClient(server.baseUri());
            TestClient.Response page = client.get("/");
            assertEquals(200, page.status());
            assertTrue(page.body().contains("<script src=\"/chat.js\">"), page.body());
            assertEquals("text/javascript; charset=utf-8", client.get("/chat.js").raw().headers().firstValue("Content-Type").orElse(""));
            assertEquals(404, client.get("/chat.jsx").status());

            ClientTools.Run run = ClientTools.run(ClientTools.CLIENTS, 150, List.of("node", "webchat.mjs", server.baseUri().toString(),
                    shot.toString()), Map.of());
            assertEquals(0, run.exit(), run.err());
            Map<?, ?> out = (Map<?, ?>) Json.parse(run.out());
            assertEquals("qwen3-chat · context " + CONTEXT + " tokens · chat template", out.get("model"));
            List<?> answers = (List<?>) out.get("answers");
            assertEquals(answer1, ((Map<?, ?>) answers.get(0)).get("content"));
            assertEquals(answer2, ((Map<?, ?>) answers.get(1)).get("content"));
            String stats = (String) out.get("stats");
            assertTrue(stats.matches("\\d+ tokens · [0-9.]+ tokens/s · first token after [0-9.]+ s · finish: (stop|length)"), stats);
            assertEquals(true, out.get("stopEnabled"));
            assertTrue(((String) out.get("stoppedStats")).endsWith("finish: stopped"), (String) out.get("stoppedStats"));
            assertTrue(((Long) out.get("stoppedLength")) > 0);
            assertEquals(true, out.get("sendEnabledAfterStop"));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!server.metrics().render().contains("moe4j_cancelled_total 1") && System.nanoTime() < deadline) Thread.sleep(50);
            assertTrue(server.metrics().render().contains("moe4j_cancelled_total 1"), "the stopped answer freed its slot:\n"
                    + server.metrics().render() + "\n" + client.get("/health").body());
        }
        byte[] png = Files.readAllBytes(shot);
        assertTrue(png.length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG screenshot of " + png.length + " bytes");
    }

    @Test
    void aConversationThatOutgrowsTheContextLeavesOutItsOldestTurns() throws Exception {
        ClientTools.requireChromium();
        ClientTools.requireNodePackages();
        // 200 positions: each turn takes about 80 (byte-level tokens), so the third turn no longer fits whole
        try (CompletionServer server = CompletionServer.start(ChatModel.served(200), ServerConfig.defaults().withPort(0))) {
            ClientTools.Run run = ClientTools.run(ClientTools.CLIENTS, 150, List.of("node", "webchat.mjs", server.baseUri().toString(),
                    "--outgrow"), Map.of());
            assertEquals(0, run.exit(), run.err());
            Map<?, ?> out = (Map<?, ?>) Json.parse(run.out());
            assertEquals(List.of("done", "done", "done", "done", "done"), out.get("states"), "every answer came, none failed");
            List<?> notes = (List<?>) out.get("notes");
            assertFalse(notes.isEmpty(), "later answers say that earlier turns were left out");
            for (Object n : notes) assertTrue(((String) n).matches("the \\d+ oldest messages were left out to fit the model's context"), (String) n);
        }
    }

    private static String user(String text) {
        return "{\"role\":\"user\",\"content\":" + Json.quote(text) + "}";
    }

    private static String assistant(String text) {
        return "{\"role\":\"assistant\",\"content\":" + Json.quote(text) + "}";
    }

    /** The content of the greedy answer (24 tokens at most) to a conversation, decoded alone. */
    private static String expected(ServedModel model, String messages) {
        int[] prompt = ChatRequest.parse(("{\"messages\":" + messages + "}").getBytes(StandardCharsets.UTF_8), model, 2000, () -> 1)
                .generation().promptTokens();
        return ChatCompletionsTest.splitReasoning(ChatModel.decode(model, ChatModel.greedyIds(prompt, 24, CONTEXT)))[1];
    }
}
