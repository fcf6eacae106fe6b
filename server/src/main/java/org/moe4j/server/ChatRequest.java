package org.moe4j.server;

import static org.moe4j.server.RequestFields.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.io.Json;
import org.moe4j.templates.jinja.TemplateException;

/**
 * One OpenAI-style {@code POST /v1/chat/completions} body, checked and rendered into a prompt with
 * the model's chat template. Every fault is a {@link BadRequestException} naming the field
 * ({@code messages[2].role}, {@code tools[0].function.name}, ...).
 *
 * <p>Read: messages (system, developer, user, assistant, tool; content a string, a list of text
 * parts, or null for an assistant message with tool_calls), max_completion_tokens or its older
 * name max_tokens, temperature, top_p, top_k (an extension), seed, stop, stream,
 * stream_options.include_usage, tools (function schemas, given to the template), tool_choice
 * ("auto", or "none", which hides the tools from the template), chat_template_kwargs (an extension,
 * as in vLLM: extra template variables such as enable_thinking), model, user. n, response_format,
 * logprobs, penalties and logit_bias only at their neutral values; any other field is refused.
 *
 * @param prompt             the rendered conversation
 * @param startsInReasoning  whether the template left a reasoning block open at the end of the prompt
 * @param parsesToolCalls    whether tools were given and the rendered prompt tells the model to write
 *                           {@code <tool_call>} blocks (Qwen's and Hermes' templates), so the answer's
 *                           blocks are returned as tool_calls
 */
record ChatRequest(Generation generation, boolean stream, boolean includeUsage, String prompt, boolean startsInReasoning,
                   boolean parsesToolCalls) {
    private static final System.Logger LOG = System.getLogger(ChatRequest.class.getName());
    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private static final Set<String> FIELDS = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
            "top_k", "seed", "stop", "stream", "stream_options", "n", "response_format", "tools", "tool_choice", "parallel_tool_calls",
            "chat_template_kwargs", "user", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs");
    private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "name", "tool_calls", "tool_call_id", "reasoning_content");

    static ChatRequest parse(byte[] body, ServedModel served, int maxTokensLimit, LongSupplier seeds) {
        Map<?, ?> m = object(body);
        onlyKnown(m, FIELDS, "model, messages, max_completion_tokens, max_tokens, temperature, top_p, top_k, seed, stop, stream, "
                + "stream_options, tools, tool_choice, chat_template_kwargs, response_format, n, user");
        model(m, served.name());
        ChatFormat format = served.chat();
        if (format == null) {
            throw new BadRequestException("messages", "model " + Json.quoteForMessage(served.name())
                    + " has no chat template (a moe4j run): use POST /v1/completions with a prompt");
        }
        neutral(m, "n", 1L, "only one choice per request (n = 1) is supported");
        neutral(m, "logprobs", Boolean.FALSE, "logprobs are not supported (omit the field or give false)");
        if (m.get("top_logprobs") != null) throw new BadRequestException("top_logprobs", "top_logprobs are not supported (omit the field)");
        noPenalties(m);
        string(m, "user");
        responseFormat(m.get("response_format"));
        boolean stream = bool(m, "stream");
        boolean includeUsage = streamOptions(m.get("stream_options"), stream);
        bool(m, "parallel_tool_calls");

        List<Map<String, Object>> messages = messages(m.get("messages"));
        List<Map<String, Object>> tools = tools(m.get("tools"));
        Object choice = m.get("tool_choice");
        if (choice != null && !"auto".equals(choice) && !"none".equals(choice)) {
            throw new BadRequestException("tool_choice", "tool_choice must be \"auto\" or \"none\" (the model decides whether to call a tool), got "
                    + shortJson(choice));
        }
        if ("none".equals(choice)) tools = null;
        Map<String, Object> kwargs = templateKwargs(m.get("chat_template_kwargs"));

        String prompt;
        try {
            prompt = format.render(messages, tools, kwargs);
        } catch (TemplateException e) {
            throw new BadRequestException("messages", "the model's chat template refused the conversation: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("messages", "the conversation cannot be rendered: " + e.getMessage());
        } catch (RuntimeException e) {
            // the template engine failed without a message meant for a client (e.g. `'x' in None`):
            // the conversation is still what made it fail, so it is the client's 400
            LOG.log(System.Logger.Level.WARNING, "the chat template failed on a conversation", e);
            throw new BadRequestException("messages", "the model's chat template refused the conversation (it failed on a value the "
                    + "conversation gives, such as a missing content; the server log has the details)");
        }
        int[] ids;
        try {
            ids = served.encodeChat(prompt);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("messages", "the conversation cannot be tokenized: " + e.getMessage());
        }
        fitsContext(ids, served.contextLength(), "messages");

        long newer = integer(m, "max_completion_tokens", -1, 1, maxTokensLimit);
        long older = integer(m, "max_tokens", -1, 1, maxTokensLimit);
        if (newer > 0 && older > 0 && newer != older) {
            throw new BadRequestException("max_tokens", "max_tokens (" + older + ") and max_completion_tokens (" + newer
                    + ") disagree: give one of them");
        }
        // without a limit the answer may run to the end of the context, capped by the server's limit
        int maxTokens = (int) (newer > 0 ? newer : older > 0 ? older : Math.min(maxTokensLimit, served.contextLength() - ids.length));
        SamplingConfig sampling = CompletionRequest.sampling(m, seeds);
        List<String> stop = stopStrings(m.get("stop"));
        boolean parsesToolCalls = tools != null && !tools.isEmpty() && prompt.contains(ToolCallParser.OPEN);
        return new ChatRequest(new Generation(ids, maxTokens, sampling, stop), stream, includeUsage, prompt, format.startsInReasoning(prompt),
                parsesToolCalls);
    }

    private static void responseFormat(Object v) {
        if (v == null) return;
        if (!(v instanceof Map<?, ?> f) || !"text".equals(f.get("type")) || f.size() != 1) {
            throw new BadRequestException("response_format", "response_format must be {\"type\": \"text\"}: JSON modes are not supported, got "
                    + shortJson(v));
        }
    }

    private static boolean streamOptions(Object v, boolean stream) {
        if (v == null) return false;
        if (!stream) throw new BadRequestException("stream_options", "stream_options is only allowed with \"stream\": true");
        if (!(v instanceof Map<?, ?> o)) throw new BadRequestException("stream_options", "stream_options must be an object, got " + kind(v));
        for (Object key : o.keySet()) {
            if (!key.equals("include_usage")) {
                throw new BadRequestException("stream_options." + key, "unknown field stream_options." + key + " (this server reads include_usage)");
            }
        }
        Object u = o.get("include_usage");
        if (u != null && !(u instanceof Boolean)) {
            throw new BadRequestException("stream_options.include_usage", "stream_options.include_usage must be true or false, got " + kind(u));
        }
        return Boolean.TRUE.equals(u);
    }

    static List<Map<String, Object>> messages(Object v) {
        if (v == null) throw new BadRequestException("messages", "messages is missing (give the conversation: [{\"role\": \"user\", \"content\": \"...\"}])");
        if (!(v instanceof List<?> list)) throw new BadRequestException("messages", "messages must be an array of messages, got " + kind(v));
        if (list.isEmpty()) throw new BadRequestException("messages", "messages is empty (give at least one message)");
        List<Map<String, Object>> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) out.add(message(list.get(i), "messages[" + i + "]"));
        return out;
    }

    private static Map<String, Object> message(Object v, String at) {
        if (!(v instanceof Map<?, ?> m)) throw new BadRequestException(at, at + " must be an object with role and content, got " + kind(v));
        for (Object key : m.keySet()) {
            if (!MESSAGE_FIELDS.contains((String) key)) {
                throw new BadRequestException(at + "." + key, "unknown field " + at + "." + key
                        + " (a message has role, content, name, tool_calls, tool_call_id, reasoning_content)");
            }
        }
        Object role = m.get("role");
        if (role == null) throw new BadRequestException(at + ".role", at + ".role is missing (one of system, developer, user, assistant, tool)");
        if (!(role instanceof String r) || !ROLES.contains(r)) {
            throw new BadRequestException(at + ".role", at + ".role must be one of system, developer, user, assistant, tool, got " + shortJson(role));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("role", r);
        Object toolCalls = m.get("tool_calls");
        if (toolCalls != null && !r.equals("assistant")) {
            throw new BadRequestException(at + ".tool_calls", at + ".tool_calls is only allowed in an assistant message");
        }
        Object content = m.get("content");
        if (content == null && !(r.equals("assistant") && toolCalls != null)) {
            throw new BadRequestException(at + ".content", at + ".content is missing (a string, or a list of text parts; "
                    + "only an assistant message with tool_calls may leave it out)");
        }
        out.put("content", content == null ? null : content(content, at + ".content"));
        for (String field : List.of("name", "reasoning_content", "tool_call_id")) {
            Object s = m.get(field);
            if (s == null) continue;
            if (!(s instanceof String)) throw new BadRequestException(at + "." + field, at + "." + field + " must be a string, got " + kind(s));
            out.put(field, s);
        }
        if (r.equals("tool") && !out.containsKey("tool_call_id")) {
            throw new BadRequestException(at + ".tool_call_id", at + ".tool_call_id is missing (the id of the call this tool message answers)");
        }
        if (toolCalls != null) out.put("tool_calls", toolCalls(toolCalls, at + ".tool_calls"));
        return out;
    }

    /** A string, or text parts joined by newlines (templates read a string; images and audio are refused). */
    private static String content(Object v, String at) {
        if (v instanceof String s) return s;
        if (!(v instanceof List<?> parts)) throw new BadRequestException(at, at + " must be a string or a list of text parts, got " + kind(v));
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            String p = at + "[" + i + "]";
            if (!(parts.get(i) instanceof Map<?, ?> part) || !"text".equals(part.get("type")) || !(part.get("text") instanceof String text)) {
                throw new BadRequestException(p, p + " must be {\"type\": \"text\", \"text\": \"...\"} (this model reads text only), got "
                        + shortJson(parts.get(i)));
            }
            texts.add(text);
        }
        return String.join("\n", texts);
    }

    private static List<Map<String, Object>> toolCalls(Object v, String at) {
        if (!(v instanceof List<?> list)) throw new BadRequestException(at, at + " must be an array, got " + kind(v));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String c = at + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> call) || !(call.get("function") instanceof Map<?, ?> fn)) {
                throw new BadRequestException(c, c + " must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}, got "
                        + shortJson(list.get(i)));
            }
            if (!(fn.get("name") instanceof String name) || name.isEmpty()) {
                throw new BadRequestException(c + ".function.name", c + ".function.name must be a non-empty string");
            }
            Object args = fn.get("arguments");
            if (!(args instanceof String) && !(args instanceof Map<?, ?>)) {
                throw new BadRequestException(c + ".function.arguments", c + ".function.arguments must be a JSON string, got " + kind(args));
            }
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("name", name);
            f.put("arguments", args);
            Map<String, Object> o = new LinkedHashMap<>();
            if (call.get("id") instanceof String id) o.put("id", id);
            o.put("type", "function");
            o.put("function", f);
            out.add(o);
        }
        return out;
    }

    /** tools: absent, or a list of {"type": "function", "function": {"name", "description"?, "parameters"?}}. */
    static List<Map<String, Object>> tools(Object v) {
        if (v == null) return null;
        if (!(v instanceof List<?> list)) throw new BadRequestException("tools", "tools must be an array of function tools, got " + kind(v));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "tools[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> tool)) throw new BadRequestException(at, at + " must be an object, got " + kind(list.get(i)));
            if (!"function".equals(tool.get("type"))) {
                throw new BadRequestException(at + ".type", at + ".type must be \"function\", got " + shortJson(tool.get("type")));
            }
            if (!(tool.get("function") instanceof Map<?, ?> fn)) {
                throw new BadRequestException(at + ".function", at + ".function must be an object with name, description and parameters");
            }
            if (!(fn.get("name") instanceof String name) || name.isEmpty()) {
                throw new BadRequestException(at + ".function.name", at + ".function.name must be a non-empty string, got " + shortJson(fn.get("name")));
            }
            if (fn.get("description") != null && !(fn.get("description") instanceof String)) {
                throw new BadRequestException(at + ".function.description", at + ".function.description must be a string");
            }
            if (fn.get("parameters") != null && !(fn.get("parameters") instanceof Map<?, ?>)) {
                throw new BadRequestException(at + ".function.parameters", at + ".function.parameters must be a JSON schema object, got "
                        + kind(fn.get("parameters")));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) tool);
            out.add(copy);
        }
        return out;
    }

    private static Map<String, Object> templateKwargs(Object v) {
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> m)) throw new BadRequestException("chat_template_kwargs", "chat_template_kwargs must be an object, got " + kind(v));
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals("messages") || key.equals("tools") || key.equals("add_generation_prompt")) {
                throw new BadRequestException("chat_template_kwargs." + key, "chat_template_kwargs may not set " + key + " (the server sets it)");
            }
            out.put(key, e.getValue());
        }
        return out;
    }
}
