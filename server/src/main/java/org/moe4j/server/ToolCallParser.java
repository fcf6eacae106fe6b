package org.moe4j.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.moe4j.io.Json;

/**
 * Finds the tool calls in an answer arriving in pieces, for templates that ask the model to write
 * each call as {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>} (Qwen2.5, Qwen3, and
 * the Hermes format they follow). Text outside the blocks is content; a block whose JSON has a
 * string name is a call (its arguments re-encoded as the JSON string OpenAI's API carries); a block
 * that is not such JSON, or is never closed, stays in the content as written, so nothing the model
 * wrote is lost. Text that could still begin a tag is held back until the next piece decides.
 */
final class ToolCallParser {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";

    /** One call: the function's name and its arguments as a JSON string. */
    record Call(String name, String arguments) {}

    /** What one piece gave: content text and the calls completed. */
    record Parsed(String content, List<Call> calls) {}

    private final StringBuilder held = new StringBuilder();
    private boolean inside;

    Parsed add(String piece) {
        held.append(piece);
        StringBuilder content = new StringBuilder();
        List<Call> calls = new ArrayList<>();
        while (true) {
            if (!inside) {
                int at = held.indexOf(OPEN);
                if (at < 0) {
                    int keep = partialTag();
                    content.append(held, 0, held.length() - keep);
                    held.delete(0, held.length() - keep);
                    break;
                }
                content.append(held, 0, at);
                held.delete(0, at + OPEN.length());
                inside = true;
            } else {
                int end = held.indexOf(CLOSE);
                if (end < 0) break;
                String body = held.substring(0, end);
                held.delete(0, end + CLOSE.length());
                inside = false;
                Call call = call(body);
                if (call != null) {
                    calls.add(call);
                } else {
                    content.append(OPEN).append(body).append(CLOSE);
                }
            }
        }
        return new Parsed(content.toString(), calls);
    }

    /** At the end of the answer: what is held back, as content (an unclosed block as written). */
    String flush() {
        String rest = (inside ? OPEN : "") + held;
        held.setLength(0);
        inside = false;
        return rest;
    }

    /** The call in a block's JSON, or null if it is not {"name": string, "arguments": object or string}. */
    static Call call(String body) {
        Object json;
        try {
            json = Json.parse(body.strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (!(json instanceof Map<?, ?> m) || !(m.get("name") instanceof String name) || name.isEmpty()) return null;
        Object args = m.get("arguments");
        if (args == null) return new Call(name, "{}");
        if (args instanceof String s) return new Call(name, s);
        if (!(args instanceof Map<?, ?>)) return null;
        return new Call(name, Json.write(args));
    }

    /** Length of the longest suffix of the held text that is a proper prefix of the opening tag. */
    private int partialTag() {
        int n = held.length();
        for (int len = Math.min(OPEN.length() - 1, n); len > 0; len--) {
            if (held.substring(n - len).equals(OPEN.substring(0, len))) return len;
        }
        return 0;
    }
}
