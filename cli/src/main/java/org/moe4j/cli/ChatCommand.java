package org.moe4j.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.moe4j.cli.chat.Chat;
import org.moe4j.cli.chat.Conversation;
import org.moe4j.cli.chat.Screen;
import org.moe4j.infer.OpenModel;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.io.Json;
import org.moe4j.io.JsonException;
import org.moe4j.io.ModelFolder;
import org.moe4j.templates.ChatTemplate;
import org.moe4j.text.hf.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j chat MODEL_DIR}: an interactive chat in the terminal with a Hugging Face model folder,
 * prompts made by the folder's chat template ({@link org.moe4j.cli.chat.Chat} has the loop).
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat with a Hugging Face model folder in the terminal: the conversation goes through the folder's chat template, "
                + "answers stream as they are generated, thinking is shown faint (or hidden), and the KV cache is kept across turns.",
                "Commands: /help, /reset, /system TEXT, /exit. Ctrl-C stops an answer; Ctrl-C twice at the prompt, or Ctrl-D, leaves."})
final class ChatCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL_DIR", description = "a Hugging Face model folder with tokenizer.json and a chat template")
    Path modelDir;

    @Option(names = "--system", paramLabel = "TEXT", description = "The system message to start with.")
    String system;

    @Option(names = "--kwargs", paramLabel = "JSON",
            description = "Extra template variables as a JSON object, e.g. '{\"enable_thinking\": false}'.")
    String kwargs;

    @Option(names = "--chat-template", paramLabel = "FILE.jinja",
            description = "Use this Jinja chat template instead of the folder's (for a folder without one).")
    Path chatTemplate;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Tokens per answer at most (default 0: no limit but the context).")
    int maxTokens = 0;

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--context", paramLabel = "N",
            description = "Positions the conversation holds (default: the model's, at most " + OpenModel.DEFAULT_CONTEXT_CAP + ").")
    int context = 0;

    @Option(names = "--hide-thinking", description = "Do not show the model's thinking (a faint \"thinking...\" in a terminal while it thinks).")
    boolean hideThinking;

    @Option(names = "--color", paramLabel = "WHEN",
            description = "ANSI styling: auto (in a terminal, unless NO_COLOR is set), always or never (default ${DEFAULT-VALUE}).")
    String color = "auto";

    @Option(names = {"-v", "--verbose"}, description = "After each answer, a line of statistics: prompt tokens from the cache and prefilled, speed.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        boolean interactive = System.console() != null && System.console().isTerminal();
        boolean ansi = switch (color) {
            case "always" -> true;
            case "never" -> false;
            case "auto" -> interactive && System.getenv("NO_COLOR") == null && !"dumb".equals(System.getenv("TERM"));
            default -> throw new IllegalArgumentException("--color is " + color + ", must be auto, always or never");
        };
        Map<String, Object> extra = parseKwargs();
        if (!ModelFolder.isModelFolder(modelDir) && !org.moe4j.io.gguf.GgufFile.isGguf(modelDir)) {
            throw new IllegalArgumentException(modelDir + " is not a Hugging Face model folder (config.json and weights) or a GGUF file; "
                    + "for a run of moe4j train, export it first: moe4j export RUN --out DIR");
        }
        try (OpenModel m = OpenModel.open(modelDir, context)) {
            HfTokenizer tok = (HfTokenizer) m.tokenizer();
            ChatTemplate template = chatTemplate != null ? fileTemplate(tok) : org.moe4j.io.gguf.GgufFile.isGguf(modelDir)
                    ? ggufTemplate(tok) : folderTemplate();
            SamplingConfig d = m.defaults();
            SamplingConfig sampling = this.sampling.over(d);
            Chat.Settings settings = new Chat.Settings(sampling, maxTokens, verbose);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
            Screen screen = new Screen(out, err, ansi, interactive, hideThinking);
            if (m.stopIds().isEmpty()) {
                screen.note("warning: the model names no end-of-sequence token (generation_config.json, tokenizer_config.json): "
                        + "answers end only at --max-tokens or the full context");
            }
            if (interactive) {
                screen.note("moe4j chat: " + m.name() + ", context " + m.contextLength() + " tokens. /help for the commands; "
                        + "Ctrl-C stops an answer, Ctrl-D leaves.");
            }
            Chat chat = new Chat(m.model(), tok, m.stopIds(), m.contextLength(), new Conversation(template, tok, extra, system),
                    settings, screen);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            return chat.run(in, () -> {
                screen.endOfInput();
                System.exit(130);
            });
        }
    }

    private ChatTemplate folderTemplate() {
        try {
            return ChatTemplate.load(modelDir);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("no chat template")) throw e;
            throw new IllegalArgumentException(e.getMessage() + "; give one with --chat-template FILE.jinja", e);
        }
    }

    private ChatTemplate fileTemplate(HfTokenizer tok) throws java.io.IOException {
        if (!Files.isRegularFile(chatTemplate)) throw new IllegalArgumentException("--chat-template " + chatTemplate + ": no such file");
        return ChatTemplate.of(Files.readString(chatTemplate, StandardCharsets.UTF_8), specialTokens(tok));
    }

    /** A GGUF file's tokenizer.chat_template. */
    private ChatTemplate ggufTemplate(HfTokenizer tok) throws java.io.IOException {
        try (var gguf = org.moe4j.io.gguf.GgufFile.open(modelDir)) {
            String template = org.moe4j.text.gguf.GgufVocabulary.chatTemplate(gguf.metadata()).orElseThrow(() -> new IllegalArgumentException(
                    "no chat template in " + modelDir + " (tokenizer.chat_template); give one with --chat-template FILE.jinja"));
            return ChatTemplate.of(template, specialTokens(tok));
        }
    }

    private static Map<String, String> specialTokens(HfTokenizer tok) {
        Map<String, String> special = new LinkedHashMap<>();
        tok.config().bosToken().ifPresent(t -> special.put("bos_token", t));
        tok.config().eosToken().ifPresent(t -> special.put("eos_token", t));
        tok.config().padToken().ifPresent(t -> special.put("pad_token", t));
        tok.config().unkToken().ifPresent(t -> special.put("unk_token", t));
        return special;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> parseKwargs() {
        if (kwargs == null) return Map.of();
        Object parsed;
        try {
            parsed = Json.parse(kwargs);
        } catch (JsonException e) {
            throw new IllegalArgumentException("--kwargs: not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("--kwargs must be a JSON object, e.g. '{\"enable_thinking\": false}'");
        }
        return (Map<String, Object>) parsed;
    }
}
