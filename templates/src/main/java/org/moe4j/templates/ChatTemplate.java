package org.moe4j.templates;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.moe4j.io.Json;
import org.moe4j.templates.jinja.Template;

/**
 * The chat template of a Hugging Face model folder, rendered as transformers'
 * {@code tokenizer.apply_chat_template(messages, tools=..., add_generation_prompt=..., tokenize=False, **kwargs)}
 * renders it.
 *
 * <p>Where the template comes from, in transformers' order: {@code chat_template.jinja} (named
 * "default") and {@code additional_chat_templates/NAME.jinja} in the folder win over
 * {@code tokenizer_config.json}'s {@code chat_template}, which is a string or a list of
 * {@code {name, template}}. With several named templates, "tool_use" is used when tools are given
 * (even an empty list) and it exists, else "default".
 *
 * <p>What the template sees: {@code messages}, {@code tools} (None without tools),
 * {@code documents}, {@code add_generation_prompt}, the special tokens of tokenizer_config.json
 * ({@code bos_token}, {@code eos_token}, ... as strings), and the extra keyword arguments, which
 * override special tokens of the same name (e.g. {@code enable_thinking}, {@code reasoning_effort}).
 */
public final class ChatTemplate {
    private static final List<String> RESERVED = List.of("messages", "tools", "add_generation_prompt");

    private final Map<String, Template> templates;
    private final Map<String, Object> specialTokens;
    private final Clock clock;

    private ChatTemplate(Map<String, Template> templates, Map<String, Object> specialTokens, Clock clock) {
        this.templates = templates;
        this.specialTokens = specialTokens;
        this.clock = clock;
    }

    /** A single template with the given special tokens (bos_token, eos_token, ...). */
    public static ChatTemplate of(String template, Map<String, String> specialTokens) {
        return new ChatTemplate(Map.of("default", Template.compile(template)), Map.copyOf(specialTokens),
                Clock.systemDefaultZone());
    }

    /**
     * Reads the chat template(s) and special tokens of a model folder and compiles them.
     *
     * @throws IllegalArgumentException if the folder has no chat template or tokenizer_config.json is malformed
     * @throws org.moe4j.templates.jinja.TemplateException if a template does not compile (line and column named)
     */
    public static ChatTemplate load(Path modelFolder) {
        if (!Files.isDirectory(modelFolder)) {
            throw new IllegalArgumentException("model folder " + modelFolder + " does not exist or is not a folder");
        }
        Path configFile = modelFolder.resolve("tokenizer_config.json");
        Map<?, ?> config = Map.of();
        if (Files.isRegularFile(configFile)) {
            Object parsed = Json.parse(read(configFile));
            if (!(parsed instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(configFile + ": expected a JSON object at the top level");
            }
            config = m;
        }
        Map<String, String> sources = templateFiles(modelFolder);
        if (sources.isEmpty()) {
            sources = configTemplates(config.get("chat_template"), configFile);
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no chat template in " + modelFolder + ": neither chat_template.jinja "
                    + "nor a chat_template field in tokenizer_config.json");
        }
        Map<String, Template> compiled = new TreeMap<>();
        sources.forEach((name, source) -> compiled.put(name, Template.compile(source)));
        return new ChatTemplate(compiled, specialTokens(config), Clock.systemDefaultZone());
    }

    /** The same templates with {@code strftime_now} reading this clock (tests pin the date). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(templates, specialTokens, clock);
    }

    /** Names of the templates: "default", and others such as "tool_use" when the folder has several. */
    public Set<String> names() {
        return templates.keySet();
    }

    /**
     * Renders a conversation.
     *
     * @param messages            {@link Message}s or JSON-like maps ({"role": ..., "content": ...})
     * @param tools               JSON schemas of the tools ({"type": "function", "function": {...}}), or null
     * @param addGenerationPrompt whether to end with the header of an assistant turn
     * @param kwargs              extra template variables (enable_thinking, reasoning_effort, documents, ...)
     * @return the prompt text, exactly as the template produces it
     */
    public String render(List<?> messages, List<? extends Map<String, ?>> tools, boolean addGenerationPrompt,
                         Map<String, ?> kwargs) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("cannot apply a chat template to an empty conversation; give at least one message");
        }
        for (String k : kwargs.keySet()) {
            if (RESERVED.contains(k)) {
                throw new IllegalArgumentException("keyword argument '" + k + "' is set by the renderer itself; "
                        + "extra keyword arguments may not be named " + String.join(", ", RESERVED));
            }
        }
        Map<String, Object> vars = new LinkedHashMap<>(specialTokens);
        vars.putAll(kwargs);
        List<Object> plain = new ArrayList<>(messages.size());
        for (Object m : messages) {
            plain.add(m instanceof Message msg ? msg.toMap() : m);
        }
        vars.put("messages", plain);
        vars.put("tools", tools);
        vars.putIfAbsent("documents", null);
        vars.put("add_generation_prompt", addGenerationPrompt);
        return choose(tools != null).render(vars, clock);
    }

    private Template choose(boolean hasTools) {
        if (hasTools && templates.containsKey("tool_use")) {
            return templates.get("tool_use");
        }
        Template t = templates.get("default");
        if (t == null) {
            throw new IllegalArgumentException("this model has several chat templates and none named \"default\"; "
                    + "templates: " + String.join(", ", templates.keySet()));
        }
        return t;
    }

    private static Map<String, String> templateFiles(Path folder) {
        Map<String, String> out = new TreeMap<>();
        Path main = folder.resolve("chat_template.jinja");
        if (Files.isRegularFile(main)) {
            out.put("default", read(main));
        }
        Path extra = folder.resolve("additional_chat_templates");
        if (Files.isDirectory(extra)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(extra, "*.jinja")) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    out.put(name.substring(0, name.length() - ".jinja".length()), read(f));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static Map<String, String> configTemplates(Object field, Path configFile) {
        Map<String, String> out = new TreeMap<>();
        switch (field) {
            case null -> { }
            case String s -> out.put("default", s);
            case List<?> list -> {
                for (int k = 0; k < list.size(); k++) {
                    String where = configFile + ": chat_template[" + k + "]";
                    if (!(list.get(k) instanceof Map<?, ?> entry) || !(entry.get("name") instanceof String name)
                            || !(entry.get("template") instanceof String template)) {
                        throw new IllegalArgumentException(where + " must be an object with string fields "
                                + "\"name\" and \"template\"");
                    }
                    out.put(name, template);
                }
            }
            default -> {
                String shown = Json.write(field);
                throw new IllegalArgumentException(configFile + ": chat_template must be a string or a list of "
                        + "{\"name\", \"template\"} objects, not " + shown.substring(0, Math.min(60, shown.length())));
            }
        }
        return out;
    }

    /**
     * The special tokens transformers passes to templates: every top-level {@code *_token} whose value
     * is a string or an AddedToken object ({"content": ...}), and the named {@code extra_special_tokens}.
     */
    private static Map<String, Object> specialTokens(Map<?, ?> config) {
        Map<String, Object> out = new LinkedHashMap<>();
        config.forEach((k, v) -> {
            String key = k.toString();
            String token = tokenText(v);
            if (key.endsWith("_token") && token != null) {
                out.put(key, token);
            }
        });
        if (config.get("extra_special_tokens") instanceof Map<?, ?> extra) {
            extra.forEach((k, v) -> {
                String token = tokenText(v);
                if (token != null) {
                    out.put(k.toString(), token);
                }
            });
        }
        return out;
    }

    private static String tokenText(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) {
            return s;
        }
        return null;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
