package org.moe4j.cli.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moe4j.templates.ChatTemplate;
import org.moe4j.text.hf.HfTokenizer;

/**
 * {@code <think>...</think>} answers (Qwen3, DeepSeek): the thinking and the answer go their ways
 * whether the tags are tokens of their own or spelled over several byte tokens, a tag is never shown
 * in part, and the message kept for the conversation is what Qwen3's own template reads back.
 */
class TaggedThinkingTest {
    private static final String ANSWER = "<think>\nLet me see: 6 x 7.\n</think>\n\nIt is 42.";
    private static final HfTokenizer WITH_TAGS = Tokenizers.tiny(List.of("<|im_start|>", "<|im_end|>"), List.of("<think>", "</think>"));
    private static final HfTokenizer WITHOUT_TAGS = Tokenizers.tiny(List.of("<|im_start|>", "<|im_end|>"), List.of());

    private static Recorder read(HfTokenizer tok, boolean startsThinking, String text) {
        Recorder r = new Recorder();
        TaggedThinking reader = new TaggedThinking(tok, startsThinking, r);
        for (int id : tok.encode(text)) reader.add(id);
        reader.finish();
        assertEquals(Map.of("role", "assistant", "content", text), reader.message(), "the raw text is kept");
        return r;
    }

    @Test
    void thinkingAndAnswerAreSeparatedWithTagsAsTokens() {
        int[] ids = WITH_TAGS.encode(ANSWER);
        assertEquals(WITH_TAGS.tokenId("<think>"), ids[0], "the tag is one token here");
        Recorder r = read(WITH_TAGS, false, ANSWER);
        assertEquals("\nLet me see: 6 x 7.\n", r.thinking.toString());
        assertEquals("\n\nIt is 42.", r.answer.toString());
        assertEquals("TA", r.order.toString());
    }

    @Test
    void tagsSpelledOverSeveralTokensGiveTheSameAndNeverShowInPart() {
        assertTrue(WITHOUT_TAGS.encode("</think>").length > 1, "the tag is several tokens here");
        Recorder r = read(WITHOUT_TAGS, false, ANSWER);
        assertEquals("\nLet me see: 6 x 7.\n", r.thinking.toString());
        assertEquals("\n\nIt is 42.", r.answer.toString());
        assertEquals("TA", r.order.toString());
    }

    @Test
    void aPromptThatOpensTheThinkingStartsTheAnswerInsideIt() {
        assertTrue(TaggedThinking.opensThinking("<|im_start|>assistant\n<think>\n"));
        assertFalse(TaggedThinking.opensThinking("<|im_start|>assistant\n<think>\n\n</think>\n\n"), "Qwen3 with enable_thinking false");
        assertFalse(TaggedThinking.opensThinking("<|im_start|>assistant\n"));
        Recorder r = read(WITHOUT_TAGS, true, "Hmm, 42.\n</think>\n\nYes: 42.");
        assertEquals("Hmm, 42.\n", r.thinking.toString());
        assertEquals("\n\nYes: 42.", r.answer.toString());
    }

    @Test
    void aTagLaterInTheAnswerIsText() {
        Recorder r = read(WITH_TAGS, false, "Models write <think> first.");
        assertEquals("", r.thinking.toString());
        assertEquals("Models write <think> first.", r.answer.toString());
        Recorder spaced = read(WITH_TAGS, false, "\n <think>deep</think>done");
        assertEquals("deep", spaced.thinking.toString(), "whitespace before the tag is allowed");
        assertEquals("done", spaced.answer.toString());
    }

    @Test
    void anAnswerCutInsideTheClosingTagKeepsThePartAsThinking() {
        Recorder r = read(WITHOUT_TAGS, false, "<think>still going </thi");
        assertEquals("still going </thi", r.thinking.toString());
        assertEquals("", r.answer.toString());
    }

    @Test
    void anAnswerOfAPartialOpeningTagIsText() {
        Recorder r = read(WITHOUT_TAGS, false, "<thi");
        assertEquals("<thi", r.answer.toString());
    }

    @Test
    void qwen3sTemplateDropsTheKeptThinkingFromEarlierTurns() throws URISyntaxException {
        Conversation c = new Conversation(ChatTemplate.load(fixture("qwen3")), WITH_TAGS, Map.of(), null);
        c.addUser("What is 6 x 7?");
        TaggedThinking reader = new TaggedThinking(WITH_TAGS, false, new Recorder());
        Arrays.stream(WITH_TAGS.encode(ANSWER)).forEach(reader::add);
        reader.finish();
        c.addAnswer(reader.message());
        c.addUser("And 6 x 8?");
        assertEquals("<|im_start|>user\nWhat is 6 x 7?<|im_end|>\n<|im_start|>assistant\nIt is 42.<|im_end|>\n"
                + "<|im_start|>user\nAnd 6 x 8?<|im_end|>\n<|im_start|>assistant\n", c.prompt().text());
    }

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(TaggedThinkingTest.class.getResource("/org/moe4j/cli/chat/" + name).toURI());
    }
}
