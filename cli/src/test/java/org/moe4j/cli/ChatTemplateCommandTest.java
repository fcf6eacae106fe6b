package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateCommandTest {
    @TempDir
    Path dir;

    private Path model;
    private Path messages;

    @BeforeEach
    void modelFolder() throws IOException {
        model = Files.createDirectory(dir.resolve("model"));
        Files.writeString(model.resolve("tokenizer_config.json"), """
                {"eos_token": "<|im_end|>", "chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}{{ eos_token }}\\n{% endfor %}{% if tools %}tools: {{ tools | map(attribute='function') | map(attribute='name') | join(', ') }}\\n{% endif %}{% if add_generation_prompt %}<|im_start|>assistant\\n{% if enable_thinking is false %}<think>\\n\\n</think>\\n\\n{% endif %}{% endif %}"}
                """);
        messages = dir.resolve("messages.json");
        Files.writeString(messages, "[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Grüß dich 🙂\"}]");
    }

    @Test
    void printsTheRenderedPromptWithNothingAdded() {
        StdoutRun r = StdoutRun.of("chat-template", model.toString(), "--messages", messages.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nGrüß dich 🙂<|im_end|>\n", r.out());
    }

    @Test
    void generationPromptToolsAndKwargs() throws IOException {
        Path tools = dir.resolve("tools.json");
        Files.writeString(tools, "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}, "
                + "{\"type\": \"function\", \"function\": {\"name\": \"search\"}}]");
        StdoutRun r = StdoutRun.of("chat-template", model.toString(), "--messages", messages.toString(),
                "--add-generation-prompt", "--tools", tools.toString(), "--kwargs", "{\"enable_thinking\": false}");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().endsWith("<|im_end|>\ntools: get_weather, search\n<|im_start|>assistant\n<think>\n\n</think>\n\n"), r.out());
    }

    @Test
    void aTemplateThatRaisesGivesItsMessageOnOneLine() throws IOException {
        Files.writeString(model.resolve("chat_template.jinja"),
                "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation must start with a user message') }}{% endif %}");
        StdoutRun r = StdoutRun.of("chat-template", model.toString(), "--messages", messages.toString());
        assertEquals(2, r.exitCode());
        assertEquals("moe4j chat-template: Conversation must start with a user message\n", r.err().replace("\r\n", "\n"));
        assertEquals("", r.out());
    }

    @Test
    void badInputIsOneLineNamingTheProblem() throws IOException {
        Files.writeString(model.resolve("chat_template.jinja"), "ok\n{{ messages | shuffle }}");
        StdoutRun r = StdoutRun.of("chat-template", model.toString(), "--messages", messages.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("moe4j chat-template: unknown filter 'shuffle'; known filters: abs, "), r.err());
        assertTrue(r.err().strip().endsWith("(template line 2, column 15)"), r.err());
        Files.delete(model.resolve("chat_template.jinja"));

        r = StdoutRun.of("chat-template", model.toString(), "--messages", dir.resolve("missing.json").toString());
        assertEquals(2, r.exitCode());
        assertEquals("moe4j chat-template: --messages " + dir.resolve("missing.json") + ": no such file", r.err().strip());

        Files.writeString(messages, "{\"role\": \"user\"}");
        r = StdoutRun.of("chat-template", model.toString(), "--messages", messages.toString());
        assertEquals("moe4j chat-template: --messages " + messages + ": expected a JSON array", r.err().strip());

        Files.writeString(messages, "[{\"content\": \"no role\"}]");
        r = StdoutRun.of("chat-template", model.toString(), "--messages", messages.toString());
        assertEquals("moe4j chat-template: --messages " + messages + ": message 0 must be an object with a string \"role\"",
                r.err().strip());

        Files.writeString(messages, "[{\"role\": \"user\", \"content\": \"x\"}]");
        r = StdoutRun.of("chat-template", model.toString(), "--messages", messages.toString(), "--kwargs", "[1]");
        assertEquals("moe4j chat-template: --kwargs must be a JSON object, e.g. '{\"enable_thinking\": false}'", r.err().strip());
        r = StdoutRun.of("chat-template", model.toString(), "--messages", messages.toString(), "--kwargs", "{oops");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("moe4j chat-template: --kwargs: not valid JSON: "), r.err());
    }
}
