package org.moe4j.server;

import java.util.List;

/**
 * The text of a completion as its pieces arrive (whole characters, from a {@link TokenDecoder}),
 * and how much of it may be sent yet. A stop string ends the completion where it starts (the stop
 * string itself is not part of the answer), so text that could be the beginning of a stop string
 * is held back until the next pieces decide. Each piece costs time in its own length and the
 * stop strings' only: the search for a stop string starts at most one stop length before the
 * text not yet sent.
 */
final class CompletionText {
    private final List<String> stop;
    private final int longestStop;
    private final StringBuilder text = new StringBuilder();
    private int sent;
    private boolean stopped;

    CompletionText(List<String> stop) {
        this.stop = stop;
        this.longestStop = stop.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Adds a piece of text; returns true if a stop string now appears (the text is cut before it). */
    boolean add(String piece) {
        if (stopped) throw new IllegalStateException("completion text: text arrived after the stop string");
        if (piece.isEmpty() || stop.isEmpty()) {
            text.append(piece);
            return false;
        }
        int from = Math.max(0, Math.min(sent, text.length()) - longestStop);
        text.append(piece);
        int cut = -1;
        for (String s : stop) {
            int at = text.indexOf(s, from);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0) {
            text.setLength(cut);
            stopped = true;
        }
        return stopped;
    }

    /** Text not sent yet that no later piece can take back; marks it sent. */
    String takeSendable() {
        int end = stopped ? text.length() : text.length() - heldBack();
        return take(Math.max(sent, end));
    }

    /** At the end of the completion: everything not sent yet. */
    String takeRest() {
        return take(text.length());
    }

    /** The whole completion so far. */
    String text() {
        return text.toString();
    }

    private String take(int end) {
        String s = text.substring(sent, end);
        sent = end;
        return s;
    }

    /** Length of the longest suffix of the text that begins some stop string. */
    private int heldBack() {
        int held = 0;
        int n = text.length();
        for (String s : stop) {
            for (int len = Math.min(s.length() - 1, n); len > held; len--) {
                if (endsWith(n, s, len)) {
                    held = len;
                    break;
                }
            }
        }
        return held;
    }

    /** Whether the text ends with the first {@code len} characters of {@code s}. */
    private boolean endsWith(int n, String s, int len) {
        for (int i = 0; i < len; i++) {
            if (text.charAt(n - len + i) != s.charAt(i)) return false;
        }
        return true;
    }
}
