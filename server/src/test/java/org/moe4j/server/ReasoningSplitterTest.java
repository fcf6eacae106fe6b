package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class ReasoningSplitterTest {
    /** Feeds {@code text} in the given pieces; returns {reasoning, content}. */
    private static String[] split(ReasoningSplitter s, String... pieces) {
        StringBuilder r = new StringBuilder();
        StringBuilder c = new StringBuilder();
        for (String p : pieces) {
            ReasoningSplitter.Split out = s.add(p);
            r.append(out.reasoning());
            c.append(out.content());
        }
        ReasoningSplitter.Split end = s.flush();
        return new String[] {r.append(end.reasoning()).toString(), c.append(end.content()).toString()};
    }

    private static ReasoningSplitter qwen() {
        return new ReasoningSplitter("<think>", "</think>", false);
    }

    @Test
    void aThinkingBlockAtTheStartIsReasoningAndTheNewlinesAfterItAreDropped() {
        assertArrayEquals(new String[] {"\nLet me see.\n", "Four."}, split(qwen(), "<think>\nLet me see.\n</think>\n\nFour."));
        assertArrayEquals(new String[] {"a", "b"}, split(qwen(), "<th", "ink>a</th", "ink", ">", "\n", "\nb"));
        assertArrayEquals(new String[] {"\n\n", "Four."}, split(qwen(), "<think>\n\n</think>\n\n", "Four."), "the block's text as written");
    }

    @Test
    void withoutABlockAtTheStartEverythingIsContent() {
        assertArrayEquals(new String[] {"", "Four. <think>x</think>"}, split(qwen(), "Four. <think>x</think>"));
        assertArrayEquals(new String[] {"", "<thin"}, split(qwen(), "<thin"), "an unfinished tag at the end is content");
        assertArrayEquals(new String[] {"", "<b>bold</b>"}, split(qwen(), "<", "b>bold</b>"));
        assertArrayEquals(new String[] {"", "plain"}, split(new ReasoningSplitter(null, null, false), "pla", "in"));
    }

    @Test
    void anAnswerThatStartsInsideTheBlockIsReasoningUntilItCloses() {
        ReasoningSplitter r1 = new ReasoningSplitter("<think>", "</think>", true);
        assertArrayEquals(new String[] {"hmm ", "ok"}, split(r1, "hmm <", "/think>\nok"));
        assertArrayEquals(new String[] {"never closed </thi", ""}, split(new ReasoningSplitter("<think>", "</think>", true), "never closed </thi"));
    }

    @Test
    void anySplitIntoPiecesGivesTheSameResultAsTheWhole() {
        Rng rng = new Rng(11);
        String[] parts = {"<think>", "</think>", "\n", "a", "<", "/", "think", ">", " "};
        for (int trial = 0; trial < 500; trial++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0, n = rng.nextInt(12); i < n; i++) text.append(parts[rng.nextInt(parts.length)]);
            String whole = text.toString();
            String[] expected = split(qwen(), whole);
            java.util.List<String> pieces = new java.util.ArrayList<>();
            for (int at = 0; at < whole.length(); ) {
                int len = Math.min(whole.length() - at, 1 + rng.nextInt(4));
                pieces.add(whole.substring(at, at + len));
                at += len;
            }
            assertArrayEquals(expected, split(qwen(), pieces.toArray(String[]::new)), whole + " in " + pieces);
            assertArrayEquals(ChatCompletionsTest.splitReasoning(whole)[1] == null ? new String[0] : expected,
                    ChatCompletionsTest.splitReasoning(whole)[1] == null ? new String[0]
                            : new String[] {nullToEmpty(ChatCompletionsTest.splitReasoning(whole)[0]), ChatCompletionsTest.splitReasoning(whole)[1]},
                    "the streaming split agrees with the test's whole-answer reference: " + whole);
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
