package org.moe4j.server;

/**
 * Splits an answer arriving in pieces into reasoning and content, for a model that writes
 * {@code <think>reasoning</think>content}. The reasoning block counts only at the start of the
 * answer (after blank space); newlines right after the closing tag are dropped, as Qwen3's
 * template drops them when it shows the answer again. A piece may end inside a tag, so the text
 * that could still be the start of a tag is held back until the next piece decides.
 * Without tags, everything is content.
 */
final class ReasoningSplitter {
    /** Reasoning and content of one piece; either may be empty. */
    record Split(String reasoning, String content) {}

    private enum State { START, REASONING, AFTER_CLOSE, CONTENT }

    private final String open;
    private final String close;
    private final StringBuilder held = new StringBuilder();
    private State state;

    /** @param open null: no reasoning, everything is content */
    ReasoningSplitter(String open, String close, boolean startsInReasoning) {
        this.open = open;
        this.close = close;
        this.state = open == null ? State.CONTENT : startsInReasoning ? State.REASONING : State.START;
    }

    Split add(String piece) {
        held.append(piece);
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        boolean progress = true;
        while (progress) {
            progress = switch (state) {
                case START -> start();
                case REASONING -> reasoning(reasoning, false);
                case AFTER_CLOSE -> afterClose();
                case CONTENT -> {
                    content.append(held);
                    held.setLength(0);
                    yield false;
                }
            };
        }
        return new Split(reasoning.toString(), content.toString());
    }

    /** At the end of the answer: whatever is held back, as what it would have been. */
    Split flush() {
        StringBuilder reasoning = new StringBuilder();
        if (state == State.REASONING) reasoning(reasoning, true);
        String rest = held.toString();
        held.setLength(0);
        return state == State.REASONING ? new Split(reasoning + rest, "") : new Split("", state == State.AFTER_CLOSE ? "" : rest);
    }

    /** Blank space, then the opening tag (reasoning) or anything else (content). */
    private boolean start() {
        int i = 0;
        while (i < held.length() && Character.isWhitespace(held.charAt(i))) i++;
        int n = held.length() - i;
        if (n >= open.length()) {
            if (held.substring(i, i + open.length()).equals(open)) {
                held.delete(0, i + open.length());
                state = State.REASONING;
            } else {
                state = State.CONTENT;
            }
            return true;
        }
        if (n > 0 && !open.startsWith(held.substring(i))) {
            state = State.CONTENT;
            return true;
        }
        return false;
    }

    /** Reasoning up to the closing tag; a suffix that may begin the tag waits unless this is the end. */
    private boolean reasoning(StringBuilder out, boolean end) {
        int at = held.indexOf(close);
        if (at >= 0) {
            out.append(held, 0, at);
            held.delete(0, at + close.length());
            state = State.AFTER_CLOSE;
            return true;
        }
        int keep = end ? 0 : partialTag(close);
        out.append(held, 0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return false;
    }

    private boolean afterClose() {
        int i = 0;
        while (i < held.length() && (held.charAt(i) == '\n' || held.charAt(i) == '\r')) i++;
        held.delete(0, i);
        if (held.isEmpty()) return false;
        state = State.CONTENT;
        return true;
    }

    /** Length of the longest suffix of the held text that is a proper prefix of {@code tag}. */
    private int partialTag(String tag) {
        int n = held.length();
        for (int len = Math.min(tag.length() - 1, n); len > 0; len--) {
            if (held.substring(n - len).equals(tag.substring(0, len))) return len;
        }
        return 0;
    }
}
