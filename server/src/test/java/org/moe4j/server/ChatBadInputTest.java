package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad chat requests get a 400 whose JSON names the field; the server goes on serving. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChatBadInputTest {
    static CompletionServer server;
    static TestClient client;

    record Bad(String body, String param, String says) {}

    static final String USER = "{\"role\":\"user\",\"content\":\"hi\"}";
    static final String TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}";

    static final List<Bad> BAD = List.of(
            new Bad("{}", "messages", "messages is missing"),
            new Bad("{\"messages\":[]}", "messages", "messages is empty"),
            new Bad("{\"messages\":\"hi\"}", "messages", "must be an array"),
            new Bad("{\"messages\":[\"hi\"]}", "messages[0]", "must be an object"),
            new Bad("{\"messages\":[{\"content\":\"hi\"}]}", "messages[0].role", "role is missing"),
            new Bad("{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", "messages[0].role", "one of system, developer, user, assistant, tool"),
            new Bad("{\"messages\":[{\"role\":7,\"content\":\"hi\"}]}", "messages[0].role", "one of"),
            new Bad("{\"messages\":[" + USER + ",{\"role\":\"user\",\"content\":42}]}", "messages[1].content", "a string or a list of text parts"),
            new Bad("{\"messages\":[{\"role\":\"user\"}]}", "messages[0].content", "content is missing"),
            new Bad("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}",
                    "messages[0].content[0]", "text only"),
            new Bad("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"mood\":\"happy\"}]}", "messages[0].mood", "unknown field"),
            new Bad("{\"messages\":[" + USER + ",{\"role\":\"tool\",\"content\":\"3\"}]}", "messages[1].tool_call_id", "tool_call_id is missing"),
            new Bad("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"tool_calls\":[]}]}", "messages[0].tool_calls", "only allowed in an assistant"),
            new Bad("{\"messages\":[" + USER + ",{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"arguments\":\"{}\"}}]}]}",
                    "messages[1].tool_calls[0].function.name", "non-empty string"),
            // Qwen3's template reads message.content of an assistant message that only calls a tool: it raises
            new Bad("{\"messages\":[" + USER + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":"
                    + "{\"name\":\"f\",\"arguments\":\"{}\"}}]}]}", "messages", "the model's chat template refused the conversation"),
            new Bad("{\"messages\":[" + USER + "],\"tools\":{}}", "tools", "must be an array"),
            new Bad("{\"messages\":[" + USER + "],\"tools\":[{\"type\":\"retrieval\"}]}", "tools[0].type", "must be \"function\""),
            new Bad("{\"messages\":[" + USER + "],\"tools\":[{\"type\":\"function\"}]}", "tools[0].function", "must be an object"),
            new Bad("{\"messages\":[" + USER + "],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"\"}}]}", "tools[0].function.name", "non-empty"),
            new Bad("{\"messages\":[" + USER + "],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":[]}}]}",
                    "tools[0].function.parameters", "JSON schema object"),
            new Bad("{\"messages\":[" + USER + "],\"tools\":[" + TOOL + "],\"tool_choice\":\"required\"}", "tool_choice", "\"auto\" or \"none\""),
            new Bad("{\"messages\":[" + USER + "],\"response_format\":{\"type\":\"json_object\"}}", "response_format", "{\"type\": \"text\"}"),
            new Bad("{\"messages\":[" + USER + "],\"n\":2}", "n", "n = 1"),
            new Bad("{\"messages\":[" + USER + "],\"stream_options\":{\"include_usage\":true}}", "stream_options", "only allowed with \"stream\": true"),
            new Bad("{\"messages\":[" + USER + "],\"stream\":true,\"stream_options\":{\"include_usage\":1}}", "stream_options.include_usage", "true or false"),
            new Bad("{\"messages\":[" + USER + "],\"max_tokens\":5,\"max_completion_tokens\":6}", "max_tokens", "disagree"),
            new Bad("{\"messages\":[" + USER + "],\"max_completion_tokens\":0}", "max_completion_tokens", "[1, 100]"),
            new Bad("{\"messages\":[" + USER + "],\"temperature\":3}", "temperature", "[0.0, 2.0]"),
            new Bad("{\"messages\":[" + USER + "],\"top_p\":0}", "top_p", "(0, 1]"),
            new Bad("{\"messages\":[" + USER + "],\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "stop", "at most 4"),
            new Bad("{\"messages\":[" + USER + "],\"logprobs\":true}", "logprobs", "not supported"),
            new Bad("{\"messages\":[" + USER + "],\"chat_template_kwargs\":{\"messages\":[]}}", "chat_template_kwargs.messages", "may not set"),
            new Bad("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "y".repeat(300) + "\"}]}", "messages", "the context holds 256"),
            new Bad("{\"messages\":[" + USER + "],\"max_tokns\":5}", "max_tokns", "unknown field"));

    @BeforeAll
    static void start() throws Exception {
        server = CompletionServer.start(ChatModel.served(256), ServerConfig.defaults().withPort(0).withLimits(1 << 16, 8, 64, 100));
        client = new TestClient(server.baseUri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void eachBadChatRequestIs400NamingTheField() throws Exception {
        for (Bad bad : BAD) {
            TestClient.Response r = client.post("/v1/chat/completions", bad.body());
            assertEquals(400, r.status(), bad.body() + " -> " + r.body());
            assertEquals(bad.param(), r.errorParam(), bad.body() + " -> " + r.body());
            String message = (String) ((Map<?, ?>) r.json().get("error")).get("message");
            assertTrue(message.contains(bad.says()), bad.body() + " -> " + message);
            assertFalse(message.contains("Exception"), message);
        }
    }

    @Test
    void anUnknownModelIs404AndTheServerKeepsServing() throws Exception {
        TestClient.Response r = client.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[" + USER + "]}");
        assertEquals(404, r.status(), r.body());
        assertEquals("model", r.errorParam());
        assertEquals("not_found_error", ((Map<?, ?>) r.json().get("error")).get("type"));
        TestClient.Response ok = client.post("/v1/chat/completions", "{\"messages\":[" + USER + "],\"max_tokens\":3,\"temperature\":0}");
        assertEquals(200, ok.status(), ok.body());
        assertEquals(3L, ((Map<?, ?>) ok.json().get("usage")).get("completion_tokens").equals(3L) ? 3L
                : ((Map<?, ?>) ok.json().get("usage")).get("completion_tokens"));
    }
}
