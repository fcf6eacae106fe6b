package org.moe4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.moe4j.io.Json;
import org.moe4j.io.JsonException;
import org.moe4j.templates.ChatTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j chat-template MODEL_DIR --messages FILE.json}: the prompt a model folder's chat template
 * makes of a conversation, as transformers' {@code apply_chat_template(..., tokenize=False)} makes it.
 * The text goes to standard output as UTF-8, byte for byte, with no newline added.
 */
@Command(name = "chat-template", mixinStandardHelpOptions = true,
        description = "Print the prompt a model folder's chat template (chat_template.jinja or tokenizer_config.json) "
                + "makes of a conversation, exactly as transformers' apply_chat_template(..., tokenize=False).")
final class ChatTemplateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL_DIR", description = "a Hugging Face model folder")
    Path modelDir;

    @Option(names = "--messages", required = true, paramLabel = "FILE.json",
            description = "a JSON array of messages, e.g. [{\"role\": \"user\", \"content\": \"Hi\"}]")
    Path messages;

    @Option(names = "--add-generation-prompt", description = "end with the header of the assistant's turn")
    boolean addGenerationPrompt;

    @Option(names = "--tools", paramLabel = "FILE.json",
            description = "a JSON array of tool schemas ({\"type\": \"function\", \"function\": {...}})")
    Path tools;

    @Option(names = "--kwargs", paramLabel = "JSON",
            description = "a JSON object of extra template variables, e.g. '{\"enable_thinking\": false}'")
    String kwargs;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws IOException {
        List<Object> conversation = array(readJson(messages, "--messages"), "--messages " + messages);
        for (int k = 0; k < conversation.size(); k++) {
            if (!(conversation.get(k) instanceof Map<?, ?> m) || !(m.get("role") instanceof String)) {
                throw new IllegalArgumentException("--messages " + messages + ": message " + k
                        + " must be an object with a string \"role\"");
            }
        }
        List<Map<String, Object>> toolList = null;
        if (tools != null) {
            List<Object> t = array(readJson(tools, "--tools"), "--tools " + tools);
            for (int k = 0; k < t.size(); k++) {
                if (!(t.get(k) instanceof Map<?, ?>)) {
                    throw new IllegalArgumentException("--tools " + tools + ": tool " + k + " must be a JSON object");
                }
            }
            toolList = (List<Map<String, Object>>) (List<?>) t;
        }
        Map<String, Object> extra = Map.of();
        if (kwargs != null) {
            Object parsed = parse(kwargs, "--kwargs");
            if (!(parsed instanceof Map<?, ?>)) {
                throw new IllegalArgumentException("--kwargs must be a JSON object, e.g. '{\"enable_thinking\": false}'");
            }
            extra = (Map<String, Object>) parsed;
        }
        String prompt = ChatTemplate.load(modelDir).render(conversation, toolList, addGenerationPrompt, extra);
        PrintStream out = System.out;
        out.write(prompt.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return 0;
    }

    private static Object readJson(Path file, String option) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8), option + " " + file);
    }

    private static Object parse(String text, String what) {
        try {
            return Json.parse(text);
        } catch (JsonException e) {
            throw new IllegalArgumentException(what + ": not valid JSON: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> array(Object v, String what) {
        if (!(v instanceof List<?>)) {
            throw new IllegalArgumentException(what + ": expected a JSON array");
        }
        return (List<Object>) v;
    }
}
