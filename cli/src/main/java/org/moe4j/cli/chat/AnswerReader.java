package org.moe4j.cli.chat;

import java.util.Map;
import org.moe4j.text.hf.HfTokenizer;

/**
 * Reads the ids of an answer as they are generated: sends its thinking and its answer text to an
 * {@link AnswerSink}, and at the end gives the assistant message the conversation keeps, in the form
 * the model's chat template reads back.
 */
public sealed interface AnswerReader permits TaggedThinking, HarmonyChannels {
    void add(int id);

    /** The text still held back (an unfinished character, a partial tag). */
    void finish();

    /** The assistant message for the conversation: {"role": "assistant", "content": ..., and "thinking" where the format has it}. */
    Map<String, Object> message();

    /** How a model family marks its thinking, told by its tokenizer. */
    enum Format {
        /** {@code <think>...</think>} in the text (Qwen3, DeepSeek-R1 and -V3.1, and any model that never thinks). */
        TAGS,
        /** gpt-oss's harmony format: {@code <|channel|>analysis<|message|>...<|end|>} then the {@code final} channel. */
        HARMONY;

        public static Format of(HfTokenizer tok) {
            return HarmonyChannels.fits(tok) ? HARMONY : TAGS;
        }

        /**
         * A reader for one answer.
         *
         * @param generationPrompt the text the template adds to ask for the answer (the prompt rendered with
         *                         the generation prompt less the prompt rendered without it); a template may open
         *                         the thinking there ({@code <think>\n}), and the answer then starts inside it
         */
        public AnswerReader reader(HfTokenizer tok, String generationPrompt, AnswerSink sink) {
            return switch (this) {
                case TAGS -> new TaggedThinking(tok, TaggedThinking.opensThinking(generationPrompt), sink);
                case HARMONY -> new HarmonyChannels(tok, sink);
            };
        }
    }
}
