package org.moe4j.cli.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moe4j.templates.ChatTemplate;
import org.moe4j.text.hf.HfTokenizer;

/**
 * gpt-oss's harmony answers: the analysis channel is the thinking, the final channel the answer, and
 * the message kept for the conversation is what gpt-oss's own template reads back.
 */
class HarmonyChannelsTest {
    private static final List<String> MARKERS = List.of("<|start|>", "<|channel|>", "<|message|>", "<|end|>", "<|return|>", "<|constrain|>");
    private static final HfTokenizer HARMONY = Tokenizers.tiny(MARKERS, List.of());
    private static final String ANSWER = "<|channel|>analysis<|message|>User asks 6 x 7. Easy.<|end|>"
            + "<|start|>assistant<|channel|>final<|message|>It is 42.";

    private static HarmonyChannels read(String text, Recorder r) {
        HarmonyChannels reader = new HarmonyChannels(HARMONY, r);
        for (int id : HARMONY.encode(text)) reader.add(id);
        reader.finish();
        return reader;
    }

    @Test
    void theFormatIsToldByTheTokenizer() {
        assertTrue(HarmonyChannels.fits(HARMONY));
        assertEquals(AnswerReader.Format.HARMONY, AnswerReader.Format.of(HARMONY));
        assertFalse(HarmonyChannels.fits(Tokenizers.tiny(List.of("<|im_start|>"), List.of())));
        assertFalse(HarmonyChannels.fits(Tokenizers.tiny(List.of(), MARKERS)), "the markers must be special tokens");
        assertEquals(AnswerReader.Format.TAGS, AnswerReader.Format.of(Tokenizers.tiny(List.of(), MARKERS)));
    }

    @Test
    void analysisIsThinkingAndFinalIsTheAnswer() {
        Recorder r = new Recorder();
        HarmonyChannels reader = read(ANSWER, r);
        assertEquals("User asks 6 x 7. Easy.", r.thinking.toString());
        assertEquals("It is 42.", r.answer.toString());
        assertEquals("TA", r.order.toString());
        Map<String, Object> want = new LinkedHashMap<>();
        want.put("role", "assistant");
        want.put("content", "It is 42.");
        want.put("thinking", "User asks 6 x 7. Easy.");
        assertEquals(want, reader.message());
    }

    @Test
    void theChannelIsTheWordAfterTheChannelMarker() {
        assertEquals("analysis", HarmonyChannels.channelOf("<|channel|>analysis"));
        assertEquals("commentary", HarmonyChannels.channelOf("assistant<|channel|>commentary to=functions.get_weather <|constrain|>json"));
        assertEquals("final", HarmonyChannels.channelOf("assistant"));
        Recorder r = new Recorder();
        read("<|channel|>commentary<|message|>Looking it up.<|end|>", r);
        assertEquals("Looking it up.", r.answer.toString(), "channels other than analysis are shown as the answer");
    }

    @Test
    void anAnswerStoppedDuringTheAnalysisHasNoContentYet() {
        Recorder r = new Recorder();
        HarmonyChannels reader = read("<|channel|>analysis<|message|>Hmm", r);
        assertEquals("Hmm", r.thinking.toString());
        assertEquals(Map.of("role", "assistant", "content", "", "thinking", "Hmm"), reader.message());
    }

    @Test
    void gptOssTemplateReadsTheMessageBackAsAFinalTurn() throws URISyntaxException {
        Conversation c = new Conversation(ChatTemplate.load(TaggedThinkingTest.fixture("gptoss")), HARMONY, Map.of(), null);
        c.addUser("What is 6 x 7?");
        c.addAnswer(read(ANSWER, new Recorder()).message());
        c.addUser("And 6 x 8?");
        String prompt = c.prompt().text();
        assertTrue(prompt.contains("<|start|>user<|message|>What is 6 x 7?<|end|><|start|>assistant<|channel|>final<|message|>It is 42.<|end|>"
                + "<|start|>user<|message|>And 6 x 8?<|end|><|start|>assistant"), prompt);
        assertFalse(prompt.contains("Easy."), "the template drops the analysis of earlier turns");
        assertTrue(prompt.endsWith("<|start|>assistant"), prompt);
    }
}
