package org.moe4j.cli.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.moe4j.io.Json;
import org.moe4j.text.hf.AddedToken;
import org.moe4j.text.hf.HfTokenizer;

/**
 * Turns a rendered chat prompt into ids as transformers' {@code apply_chat_template(..., tokenize=True)}
 * does (the whole text encoded, special-token text in it read as the special tokens), except that what a
 * person typed cannot act as a control token: a user's or system message holding the text of a special
 * token ({@code "<|im_end|>"}) has that text encoded as ordinary text.
 *
 * <p>To know where such a message lies in the prompt, the conversation is rendered once more with each
 * of these messages replaced by a placeholder (private-use characters); the template must put the
 * placeholder in exactly once and putting the messages back must give the prompt, else the template
 * changes the message (strips it, say) and the message is refused, naming the token. Such a message is
 * then encoded apart from the template's text around it, so its first and last pieces may differ from
 * what one encoding of the whole text would give; a message without special-token text, the usual case,
 * changes nothing.
 */
final class PromptEncoder {
    private static final char MARK_OPEN = '\uE000';
    private static final char MARK_CLOSE = '\uE001';

    private final HfTokenizer tok;
    private final List<String> specialTexts = new ArrayList<>();

    PromptEncoder(HfTokenizer tok) {
        this.tok = tok;
        for (AddedToken t : tok.addedTokens()) {
            if (t.special()) specialTexts.add(t.content());
        }
    }

    /**
     * The ids of {@code prompt}, the rendering of {@code messages}.
     *
     * @param render renders a list of messages as {@code prompt} was rendered
     * @throws IllegalArgumentException if a typed message holds special-token text the template does not pass through unchanged
     */
    int[] encode(String prompt, List<Map<String, Object>> messages, Function<List<Map<String, Object>>, String> render) {
        List<Integer> typed = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (isTyped(messages.get(i)) && specialTextIn((String) messages.get(i).get("content")) != null) typed.add(i);
        }
        if (typed.isEmpty()) return tok.encode(prompt);

        List<Map<String, Object>> marked = new ArrayList<>(messages);
        for (int k = 0; k < typed.size(); k++) {
            Map<String, Object> m = new LinkedHashMap<>(messages.get(typed.get(k)));
            m.put("content", mark(k));
            marked.set(typed.get(k), m);
        }
        String template = render.apply(marked);
        List<int[]> parts = new ArrayList<>();
        StringBuilder rebuilt = new StringBuilder();
        int from = 0;
        for (int k = 0; k < typed.size(); k++) {
            String content = (String) messages.get(typed.get(k)).get("content");
            int at = template.indexOf(mark(k), from);
            if (at < 0 || template.indexOf(mark(k), at + 1) >= 0) throw refused(messages.get(typed.get(k)));
            parts.add(tok.encode(template.substring(from, at)));
            parts.add(tok.encodeSpecialTokensAsText(content));
            rebuilt.append(template, from, at).append(content);
            from = at + mark(k).length();
        }
        parts.add(tok.encode(template.substring(from)));
        rebuilt.append(template, from, template.length());
        if (!rebuilt.toString().equals(prompt)) throw refused(messages.get(typed.getFirst()));
        return concat(parts);
    }

    /** The first special token's text found in {@code text}, or null. */
    String specialTextIn(String text) {
        for (String s : specialTexts) {
            if (text.contains(s)) return s;
        }
        return null;
    }

    private static boolean isTyped(Map<String, Object> m) {
        return ("user".equals(m.get("role")) || "system".equals(m.get("role"))) && m.get("content") instanceof String;
    }

    private static String mark(int k) {
        return MARK_OPEN + Integer.toString(k) + MARK_CLOSE;
    }

    private IllegalArgumentException refused(Map<String, Object> message) {
        return new IllegalArgumentException("the " + message.get("role") + " message holds the text of the special token "
                + Json.quoteForMessage(specialTextIn((String) message.get("content")))
                + ", and this chat template changes the message on its way into the "
                + "prompt, so it cannot be kept from acting as that token; rephrase the message without it");
    }

    private static int[] concat(List<int[]> parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
