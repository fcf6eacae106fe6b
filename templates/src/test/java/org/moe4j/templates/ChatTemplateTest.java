package org.moe4j.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.templates.jinja.TemplateException;

/** Where a model folder's template comes from, what it is given, and the errors for bad folders and input. */
class ChatTemplateTest {
    @TempDir
    Path dir;

    private Path folder(String config) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), config);
        return dir;
    }

    @Test
    void chatTemplateJinjaWinsOverTheConfigsTemplate() throws IOException {
        folder("{\"bos_token\": \"<s>\", \"chat_template\": \"from config\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ bos_token }}from file {{ messages[0].content }}\n");
        String out = ChatTemplate.load(dir).render(List.of(Message.user("hi")), null, false, Map.of());
        assertEquals("<s>from file hi", out, "one final newline of the template source is dropped, as in Jinja2");
    }

    @Test
    void additionalTemplatesAreNamedAndToolUseIsChosenWithTools() throws IOException {
        folder("{}");
        Files.writeString(dir.resolve("chat_template.jinja"), "plain");
        Files.createDirectory(dir.resolve("additional_chat_templates"));
        Files.writeString(dir.resolve("additional_chat_templates/tool_use.jinja"), "tools: {{ tools | length }}");
        ChatTemplate t = ChatTemplate.load(dir);
        assertEquals(Set.of("default", "tool_use"), t.names());
        assertEquals("plain", t.render(List.of(Message.user("x")), null, true, Map.of()));
        assertEquals("tools: 1", t.render(List.of(Message.user("x")), List.of(Map.of("type", "function")), true, Map.of()));
    }

    @Test
    void specialTokensKwargsAndMessageFieldsReachTheTemplate() {
        ChatTemplate t = ChatTemplate.of("{{ bos_token }}|{{ eos_token }}|{{ enable_thinking }}|{{ add_generation_prompt }}|"
                + "{{ tools }}|{{ documents }}|{% for m in messages %}{{ m.role }}:{{ m.content }}"
                + "{% if m.reasoning_content is defined %}<{{ m.reasoning_content }}>{% endif %}"
                + "{% for c in m.tool_calls or [] %}[{{ c.function.name }} {{ c.function.arguments | tojson }}]{% endfor %}"
                + "{% if m.tool_call_id is defined %}#{{ m.tool_call_id }}{% endif %};{% endfor %}",
                Map.of("bos_token", "<s>", "eos_token", "</s>"));
        List<Message> conversation = List.of(
                Message.user("q"),
                new Message("assistant", "a", "think", List.of(new Message.ToolCall("c1", "f", Map.of("x", 1))), null, null),
                Message.tool("r", "c1"));
        assertEquals("<s>|override|False|True|None|None|user:q;assistant:a<think>[f {\"x\": 1}];tool:r#c1;",
                t.render(conversation, null, true, Map.of("eos_token", "override", "enable_thinking", false)));
        assertEquals("<s>|</s>|True|False|None|None|user:q;",
                t.render(List.of(Map.of("role", "user", "content", "q")), null, false, Map.of("enable_thinking", true)));
    }

    @Test
    void kwargsOverrideSpecialTokens() {
        ChatTemplate t = ChatTemplate.of("{{ eos_token }}", Map.of("eos_token", "</s>"));
        assertEquals("<|end|>", t.render(List.of(Message.user("q")), null, false, Map.of("eos_token", "<|end|>")));
    }

    @Test
    void aListOfTemplatesWithoutDefaultNamesTheTemplates() throws IOException {
        folder("{\"chat_template\": [{\"name\": \"rag\", \"template\": \"r\"}, {\"name\": \"tool_use\", \"template\": \"t\"}]}");
        ChatTemplate t = ChatTemplate.load(dir);
        assertEquals("t", t.render(List.of(Message.user("x")), List.of(), false, Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.render(List.of(Message.user("x")), null, false, Map.of()));
        assertEquals("this model has several chat templates and none named \"default\"; templates: rag, tool_use", e.getMessage());
    }

    @Test
    void badFoldersAndConfigsAreNamed() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.load(dir.resolve("nope")));
        assertTrue(e.getMessage().endsWith("nope does not exist or is not a folder"), e.getMessage());

        folder("{\"eos_token\": \"</s>\"}");
        e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.load(dir));
        assertEquals("no chat template in " + dir + ": neither chat_template.jinja nor a chat_template field in "
                + "tokenizer_config.json", e.getMessage());

        folder("{\"chat_template\": 42}");
        e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.load(dir));
        assertEquals(dir.resolve("tokenizer_config.json") + ": chat_template must be a string or a list of "
                + "{\"name\", \"template\"} objects, not 42", e.getMessage());

        folder("{\"chat_template\": [{\"name\": \"default\"}]}");
        e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.load(dir));
        assertEquals(dir.resolve("tokenizer_config.json") + ": chat_template[0] must be an object with string fields "
                + "\"name\" and \"template\"", e.getMessage());

        folder("{\"chat_template\": \"{% for %}\"}");
        TemplateException t = assertThrows(TemplateException.class, () -> ChatTemplate.load(dir));
        assertEquals("syntax error: expected a name, got end of statement block '%}' (template line 1, column 8)", t.getMessage());
    }

    @Test
    void badRenderArgumentsAreNamed() {
        ChatTemplate t = ChatTemplate.of("x", Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.render(List.of(), null, false, Map.of()));
        assertEquals("cannot apply a chat template to an empty conversation; give at least one message", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> t.render(List.of(Message.user("x")), null, false, Map.of("messages", List.of())));
        assertEquals("keyword argument 'messages' is set by the renderer itself; extra keyword arguments may not be named "
                + "messages, tools, add_generation_prompt", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Message("user", 3, null, null, null, null));
        assertEquals("message content must be a String, a list of parts or null, not Integer", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Message.ToolCall("1", "f", 5));
        assertEquals("tool call arguments must be a Map or a JSON String, not Integer", e.getMessage());
    }
}
