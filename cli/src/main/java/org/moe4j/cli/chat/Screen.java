package org.moe4j.cli.chat;

import java.io.PrintStream;

/**
 * What the chat prints. An answer is a thinking section (if the model thinks) and the answer; each
 * section loses its leading and trailing whitespace, so the model's own newlines around its tags do
 * not pile up as blank lines. With ANSI styling the thinking is faint (SGR 2), or, when hidden, a
 * faint "thinking..." that is erased when the answer begins; without it the thinking is written
 * between {@code <think>} and {@code </think>} lines, or left out when hidden.
 *
 * <p>Notes (errors, "stopped", statistics) go to the screen, faint, in an interactive terminal and
 * to standard error otherwise, so that piped output holds the answers alone.
 */
public final class Screen implements AnswerSink {
    private static final String FAINT = "\033[2m";
    private static final String NORMAL = "\033[22m";
    private static final String ERASE_LINE = "\r\033[2K";

    private enum Section { NONE, THINKING, ANSWER }

    private final PrintStream out;
    private final PrintStream err;
    private final boolean ansi;
    private final boolean interactive;
    private final boolean hideThinking;
    private Section section = Section.NONE;
    private final StringBuilder heldSpace = new StringBuilder();

    /**
     * @param ansi        style with ANSI escape sequences
     * @param interactive a person types at a terminal: prompts are shown and notes go to {@code out}
     */
    public Screen(PrintStream out, PrintStream err, boolean ansi, boolean interactive, boolean hideThinking) {
        this.out = out;
        this.err = err;
        this.ansi = ansi;
        this.interactive = interactive;
        this.hideThinking = hideThinking;
    }

    /** The prompt before a message ({@code ">>> "}), or before a continued line ({@code "... "}); interactive only. */
    public void prompt(boolean continued) {
        if (interactive) {
            out.print(continued ? "... " : ">>> ");
            out.flush();
        }
    }

    @Override
    public void thinking(String text) {
        write(Section.THINKING, text);
    }

    @Override
    public void answer(String text) {
        write(Section.ANSWER, text);
    }

    /** Ends the answer being printed (whatever its sections) with a line break. */
    public void endAnswer() {
        leave();
        section = Section.NONE;
        out.println();
        if (interactive) out.println();
        out.flush();
    }

    /** A note to the person: an error, why an answer stopped, statistics. */
    public void note(String text) {
        if (interactive) {
            out.println(ansi ? FAINT + text + NORMAL : text);
            out.flush();
        } else {
            err.println(text);
            err.flush();
        }
    }

    /** Ctrl-C at the prompt: what leaves, then the prompt again. */
    public void interruptedAtPrompt() {
        if (interactive) out.println();
        note("(Ctrl-C again or Ctrl-D to leave)");
        prompt(false);
    }

    /** The input ended (Ctrl-D): the line after the prompt is closed. */
    public void endOfInput() {
        if (interactive) {
            out.println();
            out.flush();
        }
    }

    /** A line of the chat's own output (help, the system message), on the screen or standard output. */
    public void line(String text) {
        out.println(text);
        out.flush();
    }

    /**
     * Prints text of a section, holding back whitespace until more text follows it in the same
     * section. A section begins at its first character that is not whitespace, so one made of
     * whitespace alone shows nothing.
     */
    private void write(Section target, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                if (section == target) heldSpace.append(c);
                continue;
            }
            if (section != target) {
                enter(target);
            } else if (!(hideThinking && target == Section.THINKING)) {
                out.append(heldSpace);
            }
            heldSpace.setLength(0);
            if (!(hideThinking && target == Section.THINKING)) out.append(c);
        }
        out.flush();
    }

    private void enter(Section next) {
        leave();
        if (section == Section.THINKING && next == Section.ANSWER && !hideThinking) {
            out.print(ansi ? "\n\n" : "\n");
        }
        section = next;
        if (next == Section.THINKING) {
            if (ansi) {
                out.print(hideThinking ? FAINT + "thinking..." + NORMAL : FAINT);
            } else if (!hideThinking) {
                out.print("<think>\n");
            }
        }
    }

    /** Closes the current section: trailing whitespace is dropped, styles are reset. */
    private void leave() {
        heldSpace.setLength(0);
        if (section != Section.THINKING) return;
        if (ansi) {
            out.print(hideThinking ? ERASE_LINE : NORMAL);
        } else if (!hideThinking) {
            out.print("\n</think>\n");
        }
    }
}
