package org.moe4j.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The text of a completion as its tokens arrive, and how much of it may be sent yet. A byte-level
 * token may end inside a UTF-8 character, so only whole characters are shown; a stop string ends
 * the completion where it starts (the stop string itself is not part of the answer), so text that
 * could be the beginning of a stop string is held back until the next tokens decide.
 */
final class CompletionText {
    private final List<String> stop;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private String text = "";
    private int sent;
    private boolean stopped;

    CompletionText(List<String> stop) {
        this.stop = stop;
    }

    /** Adds a token's bytes; returns true if a stop string now appears (the text is cut before it). */
    boolean add(byte[] tokenBytes) {
        if (stopped) throw new IllegalStateException("completion text: a token arrived after the stop string");
        bytes.writeBytes(tokenBytes);
        byte[] all = bytes.toByteArray();
        text = new String(all, 0, completeUtf8Prefix(all), StandardCharsets.UTF_8);
        int longestStop = stop.stream().mapToInt(String::length).max().orElse(0);
        int from = Math.max(0, sent - longestStop);
        int cut = -1;
        for (String s : stop) {
            int at = text.indexOf(s, from);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0) {
            text = text.substring(0, cut);
            stopped = true;
        }
        return stopped;
    }

    /** Text not sent yet that no later token can take back; marks it sent. */
    String takeSendable() {
        int end = stopped ? text.length() : text.length() - heldBack();
        return take(Math.max(sent, end));
    }

    /** At the end of the completion: everything not sent yet (an unfinished character as U+FFFD). */
    String takeRest() {
        if (!stopped) text = new String(bytes.toByteArray(), StandardCharsets.UTF_8);
        return take(text.length());
    }

    /** The whole completion so far. */
    String text() {
        return text;
    }

    private String take(int end) {
        String s = text.substring(sent, end);
        sent = end;
        return s;
    }

    /** Length of the longest suffix of the text that begins some stop string. */
    private int heldBack() {
        int held = 0;
        for (String s : stop) {
            for (int len = Math.min(s.length() - 1, text.length()); len > held; len--) {
                if (text.regionMatches(text.length() - len, s, 0, len)) {
                    held = len;
                    break;
                }
            }
        }
        return held;
    }

    /** Length of the longest prefix of {@code b} that does not end inside a UTF-8 sequence. */
    static int completeUtf8Prefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(4, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) continue;
            int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return len > back ? n - back : n;
        }
        return n;
    }
}
