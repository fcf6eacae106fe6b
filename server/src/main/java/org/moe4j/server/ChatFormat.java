package org.moe4j.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.moe4j.templates.ChatTemplate;
import org.moe4j.text.Tokenizer;
import org.moe4j.text.hf.HfTokenizer;

/**
 * How a model turns a conversation into a prompt and how its answer marks reasoning: the model
 * folder's chat template, and the tags around thinking text when the model has them.
 *
 * <p>Reasoning: families that think in the open (Qwen3, DeepSeek-R1, QwQ) write
 * {@code <think>...</think>} before the answer, and their tokenizers have both tags as tokens
 * of their own; that is what marks a model here. The template decides where the tags go: Qwen3's
 * model writes {@code <think>} itself (with {@code enable_thinking=false} the template closes an
 * empty block in the prompt), DeepSeek-R1's template ends the prompt with {@code <think>\n}, so the
 * answer starts inside the block. {@link #startsInReasoning} reads which from the rendered prompt.
 *
 * @param thinkOpen  the opening tag, or null for a model that does not mark reasoning
 * @param thinkClose the closing tag, or null likewise
 */
record ChatFormat(ChatTemplate template, String thinkOpen, String thinkClose) {
    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";

    ChatFormat {
        if ((thinkOpen == null) != (thinkClose == null)) {
            throw new IllegalArgumentException("chat format: give both reasoning tags or neither, got " + thinkOpen + " and " + thinkClose);
        }
    }

    /** The folder's (or GGUF file's) chat template and reasoning tags, or null when it has none (a moe4j run). */
    static ChatFormat load(Path folder, Tokenizer tokenizer) {
        if (org.moe4j.io.gguf.GgufFile.isGguf(folder)) return gguf(folder, tokenizer);
        if (!Files.isRegularFile(folder.resolve("tokenizer_config.json")) && !Files.isRegularFile(folder.resolve("chat_template.jinja"))) {
            return null;
        }
        ChatTemplate template;
        try {
            template = ChatTemplate.load(folder);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("no chat template")) return null;
            throw e;
        }
        boolean thinks = tokenizer instanceof HfTokenizer hf && hf.tokenId(OPEN) >= 0 && hf.tokenId(CLOSE) >= 0;
        return new ChatFormat(template, thinks ? OPEN : null, thinks ? CLOSE : null);
    }

    /** A GGUF file's tokenizer.chat_template, with the special tokens of its vocabulary; null when it has none. */
    private static ChatFormat gguf(Path file, Tokenizer tokenizer) {
        java.util.Optional<String> source;
        try (var g = org.moe4j.io.gguf.GgufFile.open(file)) {
            source = org.moe4j.text.gguf.GgufVocabulary.chatTemplate(g.metadata());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (source.isEmpty()) return null;
        java.util.Map<String, String> special = new java.util.LinkedHashMap<>();
        if (tokenizer instanceof HfTokenizer hf) {
            hf.config().bosToken().ifPresent(t -> special.put("bos_token", t));
            hf.config().eosToken().ifPresent(t -> special.put("eos_token", t));
        }
        boolean thinks = tokenizer instanceof HfTokenizer hf && hf.tokenId(OPEN) >= 0 && hf.tokenId(CLOSE) >= 0;
        return new ChatFormat(ChatTemplate.of(source.get(), special), thinks ? OPEN : null, thinks ? CLOSE : null);
    }

    boolean marksReasoning() {
        return thinkOpen != null;
    }

    /** Whether the rendered prompt leaves a reasoning block open, so the answer starts as reasoning. */
    boolean startsInReasoning(String prompt) {
        return marksReasoning() && prompt.lastIndexOf(thinkOpen) > prompt.lastIndexOf(thinkClose);
    }

    String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools, Map<String, Object> kwargs) {
        return template.render(messages, tools, true, kwargs);
    }
}
