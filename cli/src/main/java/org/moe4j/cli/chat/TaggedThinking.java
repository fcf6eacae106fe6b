package org.moe4j.cli.chat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.text.hf.HfTokenizer;
import org.moe4j.text.hf.StreamingDecoder;

/**
 * An answer whose thinking is written between {@code <think>} and {@code </think>} (Qwen3's and
 * DeepSeek's templates). The tags are found in the decoded text, so they work whether the tokenizer
 * has them as single tokens or not; special tokens are decoded as text (a stop id never reaches
 * here). {@code <think>} opens thinking only at the start of an answer, after whitespace at most;
 * {@code </think>} closes it anywhere. The conversation keeps the raw text, tags included: that is
 * what the model generated, and these templates take the thinking out of earlier turns themselves.
 */
final class TaggedThinking implements AnswerReader {
    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";

    private final StreamingDecoder decoder;
    private final AnswerSink sink;
    private final StringBuilder raw = new StringBuilder();
    private final StringBuilder pending = new StringBuilder();
    private boolean thinking;
    private boolean answerBegun;

    TaggedThinking(HfTokenizer tok, boolean startsThinking, AnswerSink sink) {
        this.decoder = tok.streamingDecoder(false);
        this.sink = sink;
        this.thinking = startsThinking;
        this.answerBegun = startsThinking;
    }

    /** Whether a generation prompt leaves a thinking section open (its last {@code <think>} is not closed). */
    static boolean opensThinking(String generationPrompt) {
        return generationPrompt.lastIndexOf(OPEN) > generationPrompt.lastIndexOf(CLOSE);
    }

    @Override
    public void add(int id) {
        take(decoder.add(id), false);
    }

    @Override
    public void finish() {
        take(decoder.flush(), true);
    }

    @Override
    public Map<String, Object> message() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", "assistant");
        m.put("content", raw.toString());
        return m;
    }

    private void take(String text, boolean end) {
        raw.append(text);
        pending.append(text);
        while (!pending.isEmpty()) {
            if (thinking) {
                int close = pending.indexOf(CLOSE);
                if (close >= 0) {
                    sink.thinking(pending.substring(0, close));
                    pending.delete(0, close + CLOSE.length());
                    thinking = false;
                    continue;
                }
                int safe = end ? pending.length() : pending.length() - partialTag(pending, CLOSE);
                sink.thinking(pending.substring(0, safe));
                pending.delete(0, safe);
                return;
            }
            if (!answerBegun) {
                String rest = pending.toString().stripLeading();
                if (rest.startsWith(OPEN)) {
                    pending.delete(0, pending.length() - rest.length() + OPEN.length());
                    thinking = true;
                    answerBegun = true;
                    continue;
                }
                if (!end && OPEN.startsWith(rest)) return;   // whitespace, or the start of a tag: wait for more
                answerBegun = true;
            }
            sink.answer(pending.toString());
            pending.setLength(0);
        }
    }

    /** The length of the longest end of {@code s} that is a proper start of {@code tag}: text that may become the tag. */
    private static int partialTag(CharSequence s, String tag) {
        for (int n = Math.min(tag.length() - 1, s.length()); n > 0; n--) {
            if (tag.regionMatches(0, s.toString(), s.length() - n, n)) return n;
        }
        return 0;
    }
}
