package org.moe4j.templates;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One chat message as Hugging Face chat templates read it. Only {@code role} is required; a field
 * left null is absent from the message the template sees (so {@code message.reasoning_content is
 * defined} is false), as with a Python dict that lacks the key.
 *
 * @param role             "system", "user", "assistant", "tool", "developer", ...
 * @param content          a String, a list of parts (maps such as {"type": "text", "text": ...}), or null
 * @param reasoningContent the thinking text of an assistant message (Qwen3's {@code reasoning_content})
 * @param toolCalls        the calls an assistant message makes, or null
 * @param toolCallId       the call a tool message answers, or null
 * @param name             a tool message's tool name, or null
 */
public record Message(String role, Object content, String reasoningContent, List<ToolCall> toolCalls,
                      String toolCallId, String name) {
    public Message {
        Objects.requireNonNull(role, "role");
        if (content != null && !(content instanceof String) && !(content instanceof List<?>)) {
            throw new IllegalArgumentException("message content must be a String, a list of parts or null, not "
                    + content.getClass().getSimpleName());
        }
        toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
    }

    /**
     * A function call of an assistant message.
     *
     * @param id        the call's id, or null
     * @param name      the function's name
     * @param arguments a Map (templates print it with tojson) or a JSON String (printed as it is)
     */
    public record ToolCall(String id, String name, Object arguments) {
        public ToolCall {
            Objects.requireNonNull(name, "name");
            if (!(arguments instanceof Map<?, ?>) && !(arguments instanceof String)) {
                throw new IllegalArgumentException("tool call arguments must be a Map or a JSON String, not "
                        + (arguments == null ? "null" : arguments.getClass().getSimpleName()));
            }
        }
    }

    public static Message system(String content) {
        return new Message("system", content, null, null, null, null);
    }

    public static Message user(String content) {
        return new Message("user", content, null, null, null, null);
    }

    public static Message assistant(String content) {
        return new Message("assistant", content, null, null, null, null);
    }

    public static Message tool(String content, String toolCallId) {
        return new Message("tool", content, null, null, toolCallId, null);
    }

    /** The message as transformers passes it to the template: {"role", "content", ..., "tool_calls": [{"type": "function", "id", "function": {"name", "arguments"}}]}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        if (reasoningContent != null) {
            m.put("reasoning_content", reasoningContent);
        }
        if (toolCalls != null) {
            m.put("tool_calls", toolCalls.stream().map(c -> {
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("type", "function");
                if (c.id() != null) {
                    call.put("id", c.id());
                }
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", c.name());
                fn.put("arguments", c.arguments());
                call.put("function", fn);
                return (Object) call;
            }).toList());
        }
        if (toolCallId != null) {
            m.put("tool_call_id", toolCallId);
        }
        if (name != null) {
            m.put("name", name);
        }
        return m;
    }
}
