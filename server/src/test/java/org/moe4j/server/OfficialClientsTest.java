package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.moe4j.io.Json;

/**
 * The server as a user's program sees it through the official OpenAI clients: the openai npm
 * package (node) and the openai Python package run src/test/clients/openai_client.{mjs,py}
 * against a live server with an API key, and their answers are checked here against the
 * single-sequence engine's greedy answers.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@Tag("slow")
class OfficialClientsTest {
    static final int CONTEXT = 1024;
    static final String KEY = "test-key";
    static final String MESSAGES = "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Tell me about whales.\"}]";
    static final String TOOL_ANSWER = "Checking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\nEND";
    static ServedModel model;
    static CompletionServer server;
    /** A server whose model's answer is scripted: a tool call (the random model never writes one). */
    static CompletionServer toolServer;
    static String[] expected;
    static int promptTokens;
    static String expectedCompletion;

    @BeforeAll
    static void start() throws Exception {
        model = ChatModel.served(CONTEXT);
        // 3 ms per token: the 400-token stream the client stops after three chunks is surely still running then
        server = CompletionServer.start(ChatModel.slowed(model, 3), ServerConfig.defaults().withPort(0).withApiKey(KEY).withLimits(1 << 16, 8, 64, 400));
        toolServer = CompletionServer.start(ChatModel.scripted(model, TOOL_ANSWER), ServerConfig.defaults().withPort(0).withApiKey(KEY));
        ChatRequest parsed = ChatRequest.parse(("{\"messages\":" + MESSAGES + "}").getBytes(StandardCharsets.UTF_8), model, 400, () -> 1);
        promptTokens = parsed.generation().promptTokens().length;
        expected = ChatCompletionsTest.splitReasoning(ChatModel.decode(model, ChatModel.greedyIds(parsed.generation().promptTokens(), 24, CONTEXT)));
        int[] once = model.tokenizer().encode("Once upon a time");
        expectedCompletion = ChatModel.decode(model, ChatModel.greedyIds(once, 12, CONTEXT));
    }

    @AfterAll
    static void stop() {
        server.close();
        toolServer.close();
    }

    private static String baseUrl() {
        return server.baseUri() + "/v1";
    }

    @Test
    void theOpenaiNpmPackageChatsStreamsStopsAndReadsErrors() throws Exception {
        ClientTools.requireNodePackages();
        // raw sockets send garbage while the client's burst runs: nobody else may notice
        try (ExecutorService raw = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> garbage = new ArrayList<>();
            for (int i = 0; i < 6; i++) garbage.add(raw.submit(() -> rawGarbage()));
            ClientTools.Run run = ClientTools.run(ClientTools.CLIENTS, 150, List.of("node", "openai_client.mjs", baseUrl(), KEY, model.name(),
                    toolServer.baseUri() + "/v1"),
                    Map.of());
            assertEquals(0, run.exit(), run.err());
            for (Future<String> g : garbage) assertTrue(g.get(30, TimeUnit.SECONDS).startsWith("HTTP/1.1 4"), "a raw bad request is refused");
            Map<?, ?> out = (Map<?, ?>) Json.parse(run.out());
            checkChat((Map<?, ?>) out.get("chat"), (Map<?, ?>) out.get("stream"));
            Map<?, ?> completion = (Map<?, ?>) out.get("completion");
            assertEquals(expectedCompletion, completion.get("text"));
            assertEquals(expectedCompletion, out.get("completionStream"));
            assertEquals(List.of(model.name()), out.get("models"));
            assertEquals(3L, out.get("stoppedAfter"), "the client stopped reading after three chunks");
            assertEquals(true, out.get("aborted"));
            Map<?, ?> errors = (Map<?, ?>) out.get("errors");
            checkError(errors, "emptyMessages", "BadRequestError", 400, "messages");
            checkError(errors, "badRole", "BadRequestError", 400, "messages[0].role");
            checkError(errors, "unknownModel", "NotFoundError", 404, "model");
            checkError(errors, "badTools", "BadRequestError", 400, "tools[0].function");
            checkError(errors, "wrongKey", "AuthenticationError", 401, null);
            for (String form : List.of("tools", "toolsStream")) {
                Map<?, ?> tools = (Map<?, ?>) out.get(form);
                assertEquals("tool_calls", tools.get("finish"), form);
                assertEquals("Checking.\n", tools.get("content"), form);
                List<?> calls = (List<?>) tools.get("calls");
                assertEquals(1, calls.size(), form);
                Map<?, ?> call = (Map<?, ?>) calls.getFirst();
                assertEquals("function", call.get("type"), form);
                assertEquals(Map.of("name", "get_weather", "arguments", "{\"city\":\"Oslo\"}"), call.get("function"), form);
            }
            List<?> burst = (List<?>) out.get("burst");
            for (int i = 0; i < burst.size(); i++) {
                if (i % 3 == 2) {
                    assertEquals(400L, ((Map<?, ?>) burst.get(i)).get("status"));
                } else {
                    assertEquals(expected[1], burst.get(i), "burst request " + i);
                }
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!server.metrics().render().contains("moe4j_cancelled_total 1") && System.nanoTime() < deadline) Thread.sleep(50);
        assertTrue(server.metrics().render().contains("moe4j_cancelled_total 1"), "the stopped stream was dropped by the scheduler");
    }

    @Test
    void theOpenaiPythonPackageChatsAndStreams() throws Exception {
        ClientTools.requirePythonClient();
        ClientTools.Run run = ClientTools.run(ClientTools.CLIENTS, 120,
                List.of(ClientTools.VENV_PYTHON.toString(), "openai_client.py", baseUrl(), KEY, model.name(), toolServer.baseUri() + "/v1"),
                Map.of());
        assertEquals(0, run.exit(), run.err());
        Map<?, ?> out = (Map<?, ?>) Json.parse(run.out());
        checkChat((Map<?, ?>) out.get("chat"), (Map<?, ?>) out.get("stream"));
        assertEquals(expectedCompletion, ((Map<?, ?>) out.get("completion")).get("text"));
        assertEquals(List.of(model.name()), out.get("models"));
        Map<?, ?> errors = (Map<?, ?>) out.get("errors");
        checkError(errors, "emptyMessages", "BadRequestError", 400, "messages");
        checkError(errors, "unknownModel", "NotFoundError", 404, "model");
        checkError(errors, "badContent", "BadRequestError", 400, "messages[0].content");
        Map<?, ?> tools = (Map<?, ?>) out.get("tools");
        assertEquals("tool_calls", tools.get("finish"));
        assertEquals("Checking.\n", tools.get("content"));
        Map<?, ?> call = (Map<?, ?>) ((List<?>) tools.get("calls")).getFirst();
        assertEquals(Map.of("name", "get_weather", "arguments", "{\"city\":\"Oslo\"}"), call.get("function"));
    }

    private static void checkChat(Map<?, ?> chat, Map<?, ?> stream) {
        assertEquals("chat.completion", chat.get("object"));
        assertEquals(expected[1], chat.get("content"));
        assertEquals(expected[0], chat.get("reasoning"));
        Map<?, ?> usage = (Map<?, ?>) chat.get("usage");
        assertEquals((long) promptTokens, usage.get("prompt_tokens"));
        long completionTokens = (Long) usage.get("completion_tokens");
        assertEquals(completionTokens < 24 ? "stop" : "length", chat.get("finish"));
        assertEquals(expected[1], stream.get("content"));
        assertEquals(expected[0] == null ? "" : expected[0], stream.get("reasoning"));
        assertEquals(chat.get("finish"), stream.get("finish"));
        assertEquals(usage.get("total_tokens"), ((Map<?, ?>) stream.get("usage")).get("total_tokens"));
        assertTrue((Long) stream.get("chunks") >= 3, "role, text and finish chunks: " + stream.get("chunks"));
    }

    private static void checkError(Map<?, ?> errors, String name, String kind, int status, String param) {
        Map<?, ?> e = (Map<?, ?>) errors.get(name);
        assertNotNull(e, name + " was accepted");
        assertEquals(kind, e.get("name"), name);
        assertEquals((long) status, e.get("status"), name);
        assertEquals(param, e.get("param"), name);
    }

    /** A malformed request on a raw socket; returns the status line of the answer. */
    private static String rawGarbage() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            s.setSoTimeout(20_000);
            String body = "{\"messages\": [{\"role\": \"user\", \"content\": [1, 2]}";
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY + "\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
            return answer;
        }
    }
}
