package org.moe4j.cli.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.templates.ChatTemplate;
import org.moe4j.text.hf.HfTokenizer;

/**
 * The messages of a chat, as its template reads them: an optional system message, then exchanges (a
 * user message and the answer to it), and the prompt they make: the template rendered with the
 * generation prompt, encoded by {@link PromptEncoder}.
 */
public final class Conversation {
    private final ChatTemplate template;
    private final Map<String, Object> kwargs;
    private final PromptEncoder encoder;
    private String system;
    /** user, assistant, user, assistant, ..., and the user message being answered. */
    private final List<Map<String, Object>> turns = new ArrayList<>();

    /**
     * A prompt: its text, the part the generation prompt added (where a template may open the thinking),
     * and its ids.
     */
    public record Prompt(String text, String generationPrompt, int[] ids) {}

    /**
     * @param kwargs extra template variables ({@code enable_thinking}, ...)
     * @param system the system message, or null for none
     */
    public Conversation(ChatTemplate template, HfTokenizer tok, Map<String, Object> kwargs, String system) {
        this.template = template;
        this.kwargs = Collections.unmodifiableMap(new LinkedHashMap<>(kwargs));
        this.encoder = new PromptEncoder(tok);
        this.system = system;
    }

    /** The system message, or null. */
    public String system() {
        return system;
    }

    /** Sets (or with null removes) the system message; the exchanges stay. */
    public void system(String text) {
        system = text;
    }

    /** Forgets every exchange; the system message stays. */
    public void reset() {
        turns.clear();
    }

    /** Exchanges so far, the one being answered included. */
    public int exchanges() {
        return (turns.size() + 1) / 2;
    }

    public void addUser(String text) {
        if (turns.size() % 2 != 0) throw new IllegalStateException("a user message is already waiting for its answer");
        turns.add(message("user", text));
    }

    /** Takes back the user message that waits for its answer (it did not fit, or the template refused it). */
    public void removeUser() {
        if (turns.size() % 2 == 0) throw new IllegalStateException("no user message is waiting for its answer");
        turns.removeLast();
    }

    public void addAnswer(Map<String, Object> assistant) {
        if (turns.size() % 2 == 0) throw new IllegalStateException("an answer needs a user message before it");
        turns.add(new LinkedHashMap<>(assistant));
    }

    /** Forgets the oldest exchange, never the one being answered; false if there is none to forget. */
    public boolean dropOldest() {
        if (turns.size() < 3) return false;
        turns.subList(0, 2).clear();
        return true;
    }

    /** The messages as the template sees them. */
    public List<Map<String, Object>> messages() {
        List<Map<String, Object>> all = new ArrayList<>(turns.size() + 1);
        if (system != null) all.add(message("system", system));
        all.addAll(turns);
        return all;
    }

    /** The prompt that asks for the answer to the last user message. */
    public Prompt prompt() {
        List<Map<String, Object>> messages = messages();
        String text = template.render(messages, null, true, kwargs);
        String without = template.render(messages, null, false, kwargs);
        String generation = text.startsWith(without) ? text.substring(without.length()) : text;
        int[] ids = encoder.encode(text, messages, m -> template.render(m, null, true, kwargs));
        return new Prompt(text, generation, ids);
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
