package org.moe4j.cli.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the screen shows of an answer, with and without ANSI styling, thinking shown or hidden. */
class ScreenTest {
    private static final String FAINT = "\033[2m";
    private static final String NORMAL = "\033[22m";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Screen screen(boolean ansi, boolean interactive, boolean hide) {
        return new Screen(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                ansi, interactive, hide);
    }

    /** Qwen3's raw shape: newlines around the thinking and before the answer, in pieces as a stream brings them. */
    private static void qwenAnswer(Screen s) {
        s.thinking("\n");
        s.thinking("Let me see.");
        s.thinking(" Yes.\n");
        s.answer("\n\n");
        s.answer("It is");
        s.answer(" 42.\n");
        s.endAnswer();
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void plainShowsTheThinkingBetweenTags() {
        qwenAnswer(screen(false, false, false));
        assertEquals("<think>\nLet me see. Yes.\n</think>\n\nIt is 42.\n", out());
    }

    @Test
    void plainHiddenThinkingLeavesTheAnswerAlone() {
        qwenAnswer(screen(false, false, true));
        assertEquals("It is 42.\n", out());
    }

    @Test
    void ansiShowsTheThinkingFaint() {
        qwenAnswer(screen(true, false, false));
        assertEquals(FAINT + "Let me see. Yes." + NORMAL + "\n\nIt is 42.\n", out());
    }

    @Test
    void ansiHiddenThinkingIsAFaintLineErasedWhenTheAnswerBegins() {
        qwenAnswer(screen(true, false, true));
        assertEquals(FAINT + "thinking..." + NORMAL + "\r\033[2KIt is 42.\n", out());
    }

    @Test
    void whitespaceOnlyThinkingShowsNothingAndInnerWhitespaceStays() {
        Screen s = screen(false, false, false);
        s.thinking("\n\n");
        s.answer("a  b");
        s.answer("\n\n");
        s.answer("c ");
        s.endAnswer();
        assertEquals("a  b\n\nc\n", out());
    }

    @Test
    void anAnswerStoppedInsideTheThinkingClosesIt() {
        Screen s = screen(true, false, false);
        s.thinking("Hmm");
        s.endAnswer();
        assertEquals(FAINT + "Hmm" + NORMAL + "\n", out());
    }

    @Test
    void interactiveScreensPromptAndShowNotesFaint() {
        Screen s = screen(true, true, false);
        s.prompt(false);
        s.answer("Hi.");
        s.endAnswer();
        s.note("[stopped]");
        s.prompt(true);
        assertEquals(">>> Hi.\n\n" + FAINT + "[stopped]" + NORMAL + "\n... ", out());
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void pipedOutputHoldsTheAnswersAloneAndNotesGoToStandardError() {
        Screen s = screen(false, false, false);
        s.prompt(false);
        s.answer("Hi.");
        s.endAnswer();
        s.note("[stopped]");
        s.interruptedAtPrompt();
        assertEquals("Hi.\n", out());
        assertEquals("[stopped]\n(Ctrl-C again or Ctrl-D to leave)\n", err.toString(StandardCharsets.UTF_8));
    }
}
