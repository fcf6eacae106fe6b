package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.Json;

/**
 * {@code POST /v1/chat/completions} on a Qwen3-style model folder: prompts rendered and tokenized
 * as transformers does, answers equal to the single-sequence engine's greedy ids, streamed and not,
 * usage, and the reasoning split of a template that opens the thinking block itself.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@Tag("slow")
class ChatCompletionsTest {
    static final int CONTEXT = 1024;
    static ServedModel model;
    static CompletionServer server;
    static TestClient client;

    @BeforeAll
    static void start() throws Exception {
        model = ChatModel.served(CONTEXT);
        server = CompletionServer.start(model, ServerConfig.defaults().withPort(0).withLimits(1 << 16, 8, 64, 200));
        client = new TestClient(server.baseUri());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void conversationsRenderAndTokenizeAsTransformersDoes() throws Exception {
        List<?> cases = (List<?>) Json.parse(Files.readAllBytes(ChatModel.folder().resolve("expected_prompts.json")));
        assertEquals(4, cases.size());
        for (Object c : cases) {
            Map<?, ?> kase = (Map<?, ?>) c;
            StringBuilder body = new StringBuilder("{\"messages\":" + Json.write(kase.get("messages")));
            if (kase.get("tools") != null) body.append(",\"tools\":").append(Json.write(kase.get("tools")));
            if (kase.get("kwargs") != null) body.append(",\"chat_template_kwargs\":").append(Json.write(kase.get("kwargs")));
            body.append("}");
            ChatRequest r = ChatRequest.parse(body.toString().getBytes(StandardCharsets.UTF_8), model, 200, () -> 1);
            assertEquals(kase.get("text"), r.prompt());
            int[] expected = ((List<?>) kase.get("ids")).stream().mapToInt(x -> ((Long) x).intValue()).toArray();
            assertArrayEquals(expected, r.generation().promptTokens(), (String) kase.get("text"));
            assertFalse(r.startsInReasoning(), "Qwen3's model opens <think> itself");
        }
    }

    @Test
    void aGreedyAnswerEqualsTheEngineAloneStreamedOrNot() throws Exception {
        String messages = "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Tell me about whales.\"}]";
        ChatRequest parsed = ChatRequest.parse(("{\"messages\":" + messages + "}").getBytes(StandardCharsets.UTF_8), model, 200, () -> 1);
        List<Integer> ids = ChatModel.greedyIds(parsed.generation().promptTokens(), 40, CONTEXT);
        String expected = ChatModel.decode(model, ids);
        String body = "{\"model\":\"qwen3-chat\",\"messages\":" + messages + ",\"max_tokens\":40,\"temperature\":0";
        TestClient.Response r = client.post("/v1/chat/completions", body + "}");
        assertEquals(200, r.status(), r.body());
        Map<?, ?> json = r.json();
        assertEquals("chat.completion", json.get("object"));
        Map<?, ?> choice = (Map<?, ?>) ((List<?>) json.get("choices")).getFirst();
        Map<?, ?> message = (Map<?, ?>) choice.get("message");
        assertEquals("assistant", message.get("role"));
        String[] split = splitReasoning(expected);
        assertEquals(split[0], message.get("reasoning_content"));
        assertEquals(split[1], message.get("content"));
        Map<?, ?> usage = (Map<?, ?>) json.get("usage");
        assertEquals((long) parsed.generation().promptTokens().length, usage.get("prompt_tokens"));
        assertEquals((long) ids.size(), usage.get("completion_tokens"));
        assertEquals(ids.size() < 40 ? "stop" : "length", choice.get("finish_reason"));

        String streamed = client.post("/v1/chat/completions", body + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}").body();
        List<Map<?, ?>> chunks = events(streamed);
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        String finish = null;
        for (Map<?, ?> chunk : chunks.subList(0, chunks.size() - 1)) {
            assertEquals("chat.completion.chunk", chunk.get("object"));
            assertTrue(chunk.containsKey("usage") && chunk.get("usage") == null, "usage: null before the last chunk");
            Map<?, ?> c = (Map<?, ?>) ((List<?>) chunk.get("choices")).getFirst();
            Map<?, ?> delta = (Map<?, ?>) c.get("delta");
            if (delta.get("content") != null) content.append(delta.get("content"));
            if (delta.get("reasoning_content") != null) reasoning.append(delta.get("reasoning_content"));
            if (c.get("finish_reason") != null) finish = (String) c.get("finish_reason");
        }
        assertEquals("assistant", ((Map<?, ?>) ((Map<?, ?>) ((List<?>) chunks.getFirst().get("choices")).getFirst()).get("delta")).get("role"));
        assertEquals(message.get("content"), content.toString());
        assertEquals(message.get("reasoning_content") == null ? "" : message.get("reasoning_content"), reasoning.toString());
        assertEquals(choice.get("finish_reason"), finish);
        Map<?, ?> last = chunks.getLast();
        assertEquals(List.of(), last.get("choices"));
        assertEquals(usage, last.get("usage"));
        assertTrue(streamed.strip().endsWith("data: [DONE]"), streamed);
    }

    @Test
    void aTemplateThatOpensTheThinkingBlockMakesTheAnswerReasoningUntilItCloses(@TempDir Path dir) throws Exception {
        // DeepSeek-R1's way: the generation prompt ends with "<think>\n"
        String template = "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{%- endfor %}"
                + "{%- if add_generation_prompt %}<|im_start|>assistant\n<think>\n{%- endif %}";
        try (ServedModel r1 = ServedModel.load(ChatModel.withTemplate(dir, template), CONTEXT);
             CompletionServer s = CompletionServer.start(r1, ServerConfig.defaults().withPort(0).withLimits(1 << 16, 4, 8, 200))) {
            String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Think first.\"}],\"max_tokens\":30,\"temperature\":0}";
            ChatRequest parsed = ChatRequest.parse(body.getBytes(StandardCharsets.UTF_8), r1, 200, () -> 1);
            assertTrue(parsed.startsInReasoning());
            List<Integer> ids = ChatModel.greedyIds(parsed.generation().promptTokens(), 30, CONTEXT);
            String expected = ChatModel.decode(r1, ids);
            Map<?, ?> message = (Map<?, ?>) ((Map<?, ?>) ((List<?>) new TestClient(s.baseUri()).post("/v1/chat/completions", body)
                    .json().get("choices")).getFirst()).get("message");
            int close = expected.indexOf("</think>");
            assertEquals(close < 0 ? expected : expected.substring(0, close), message.get("reasoning_content"));
            assertEquals(close < 0 ? "" : expected.substring(close + "</think>".length()).replaceFirst("^[\r\n]+", ""), message.get("content"));
        }
    }

    @Test
    void aTemplateThatRaisesIsA400WithTheTemplatesOwnWords(@TempDir Path dir) throws Exception {
        String template = "{%- if messages[0].role != 'user' %}{{ raise_exception('Conversations must start with a user message.') }}"
                + "{%- endif %}{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{%- endfor %}"
                + "{%- if add_generation_prompt %}<|im_start|>assistant\n{%- endif %}";
        try (ServedModel strict = ServedModel.load(ChatModel.withTemplate(dir, template), CONTEXT);
             CompletionServer s = CompletionServer.start(strict, ServerConfig.defaults().withPort(0))) {
            TestClient c = new TestClient(s.baseUri());
            TestClient.Response r = c.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}");
            assertEquals(400, r.status(), r.body());
            assertEquals("messages", r.errorParam());
            assertEquals("the model's chat template refused the conversation: Conversations must start with a user message.",
                    ((Map<?, ?>) r.json().get("error")).get("message"));
            assertEquals(200, c.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":2}")
                    .status());
        }
    }

    @Test
    void toolCallBlocksComeBackAsToolCallsStreamedOrNot() throws Exception {
        // the model's text is scripted: what is tested is the server's way from text to the API's tool_calls
        String script = "Checking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\nEND";
        ServedModel scripted = ChatModel.scripted(model, script);
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]";
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Oslo?\"}],\"tools\":" + tools + ",\"stop\":\"\\nEND\",\"max_tokens\":100";
        try (CompletionServer s = CompletionServer.start(scripted, ServerConfig.defaults().withPort(0))) {
            TestClient c = new TestClient(s.baseUri());
            Map<?, ?> choice = (Map<?, ?>) ((List<?>) c.post("/v1/chat/completions", body + "}").json().get("choices")).getFirst();
            assertEquals("tool_calls", choice.get("finish_reason"));
            Map<?, ?> message = (Map<?, ?>) choice.get("message");
            assertEquals("Checking.\n", message.get("content"), "the text before the block; the stop string takes the newline after it");
            Map<?, ?> call = (Map<?, ?>) ((List<?>) message.get("tool_calls")).getFirst();
            assertEquals("function", call.get("type"));
            assertTrue(((String) call.get("id")).startsWith("call_"), call.toString());
            assertEquals(Map.of("name", "get_weather", "arguments", "{\"city\":\"Oslo\"}"), call.get("function"));

            List<Map<?, ?>> chunks = events(c.post("/v1/chat/completions", body + ",\"stream\":true}").body());
            StringBuilder content = new StringBuilder();
            List<Object> calls = new ArrayList<>();
            String finish = null;
            for (Map<?, ?> chunk : chunks) {
                Map<?, ?> ch = (Map<?, ?>) ((List<?>) chunk.get("choices")).getFirst();
                Map<?, ?> delta = (Map<?, ?>) ch.get("delta");
                if (delta.get("content") != null) content.append(delta.get("content"));
                if (delta.get("tool_calls") != null) calls.addAll((List<?>) delta.get("tool_calls"));
                if (ch.get("finish_reason") != null) finish = (String) ch.get("finish_reason");
            }
            assertEquals("Checking.\n", content.toString());
            assertEquals(1, calls.size());
            assertEquals(0L, ((Map<?, ?>) calls.getFirst()).get("index"));
            assertEquals(call.get("function"), ((Map<?, ?>) calls.getFirst()).get("function"));
            assertEquals("tool_calls", finish);

            // without tools the same text is plain content
            Map<?, ?> plain = (Map<?, ?>) ((Map<?, ?>) ((List<?>) c.post("/v1/chat/completions", body.replace(",\"tools\":" + tools, "") + "}")
                    .json().get("choices")).getFirst()).get("message");
            assertEquals(script.substring(0, script.indexOf("\nEND")), plain.get("content"));
            assertNull(plain.get("tool_calls"));
        }
    }

    @Test
    void toolsReachTheTemplate() throws Exception {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]";
        ChatRequest with = ChatRequest.parse(("{\"messages\":[{\"role\":\"user\",\"content\":\"Oslo?\"}],\"tools\":" + tools + "}")
                .getBytes(StandardCharsets.UTF_8), model, 200, () -> 1);
        assertTrue(with.prompt().contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\""), with.prompt());
        ChatRequest none = ChatRequest.parse(("{\"messages\":[{\"role\":\"user\",\"content\":\"Oslo?\"}],\"tools\":" + tools
                + ",\"tool_choice\":\"none\"}").getBytes(StandardCharsets.UTF_8), model, 200, () -> 1);
        assertFalse(none.prompt().contains("<tools>"), none.prompt());
        String history = "[{\"role\":\"user\",\"content\":\"Oslo?\"},{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\": \\\"Oslo\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"-3 C\"}]";
        ChatRequest answered = ChatRequest.parse(("{\"messages\":" + history + ",\"tools\":" + tools + "}").getBytes(StandardCharsets.UTF_8),
                model, 200, () -> 1);
        assertTrue(answered.prompt().contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"),
                answered.prompt());
        assertTrue(answered.prompt().contains("<tool_response>\n-3 C\n</tool_response>"), answered.prompt());
    }

    @Test
    void modelsListsTheModelAndAModelWithoutATemplateSendsChatToCompletions() throws Exception {
        Map<?, ?> listed = (Map<?, ?>) ((List<?>) client.get("/v1/models").json().get("data")).getFirst();
        assertEquals("qwen3-chat", listed.get("id"));
        try (CompletionServer tiny = CompletionServer.start(TinyModel.served(64), ServerConfig.defaults().withPort(0))) {
            TestClient.Response r = new TestClient(tiny.baseUri()).post("/v1/chat/completions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(400, r.status());
            assertEquals("messages", r.errorParam());
            assertTrue(r.body().contains("no chat template") && r.body().contains("/v1/completions"), r.body());
        }
    }

    /**
     * The reference split of a whole answer: a {@code <think>} block at its start (after blank space)
     * is the reasoning, the rest after the closing tag and its newlines the content; reasoning is null
     * when there is none.
     */
    static String[] splitReasoning(String answer) {
        String lead = answer.stripLeading();
        if (!lead.startsWith("<think>")) return new String[] {null, answer};
        String rest = lead.substring("<think>".length());
        int close = rest.indexOf("</think>");
        if (close < 0) return new String[] {rest.isEmpty() ? null : rest, ""};
        String reasoning = rest.substring(0, close);
        return new String[] {reasoning.isEmpty() ? null : reasoning, rest.substring(close + "</think>".length()).replaceFirst("^[\r\n]+", "")};
    }

    /** The data: events of a server-sent stream, without [DONE]. */
    static List<Map<?, ?>> events(String stream) {
        List<Map<?, ?>> out = new ArrayList<>();
        for (String line : stream.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) out.add((Map<?, ?>) Json.parse(line.substring(6)));
        }
        return out;
    }
}
