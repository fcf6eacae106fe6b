package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class CompletionTextTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aStopStringSplitAcrossTokensIsHeldBackThenCut() {
        CompletionText t = new CompletionText(List.of("END"));
        assertFalse(t.add(utf8("abc E")));
        assertEquals("abc ", t.takeSendable(), "'E' may start END: held back");
        assertFalse(t.add(utf8("N")));
        assertEquals("", t.takeSendable());
        assertTrue(t.add(utf8("Dxyz")));
        assertEquals("", t.takeRest(), "the stop string and what follows are not sent");
        assertEquals("abc ", t.text());
    }

    @Test
    void aFalseStartIsReleasedOnceItCannotBeAStopString() {
        CompletionText t = new CompletionText(List.of("END", "\n\n"));
        assertFalse(t.add(utf8("EN")));
        assertEquals("", t.takeSendable());
        assertFalse(t.add(utf8("X\n")));
        assertEquals("ENX", t.takeSendable());
        assertFalse(t.add(utf8("y")));
        assertEquals("\ny", t.takeSendable());
        assertEquals("", t.takeRest());
    }

    @Test
    void aCharacterSplitAcrossTokensIsSentWhole() {
        byte[] euro = utf8("\u20ac");
        CompletionText t = new CompletionText(List.of());
        assertFalse(t.add(new byte[] {'a', euro[0]}));
        assertEquals("a", t.takeSendable());
        assertFalse(t.add(new byte[] {euro[1]}));
        assertEquals("", t.takeSendable());
        assertFalse(t.add(new byte[] {euro[2], 'b'}));
        assertEquals("\u20acb", t.takeSendable());
        assertFalse(t.add(new byte[] {euro[0]}));
        assertEquals("\ufffd", t.takeRest(), "an unfinished character at the end is a replacement character");
    }

    @Test
    void sentPiecesAlwaysAddUpToTheTextCutAtTheFirstStop() {
        Rng rng = new Rng(3);
        String alphabet = "ab\u00e9\u20ac";
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder whole = new StringBuilder();
            for (int i = 0, n = 1 + rng.nextInt(30); i < n; i++) whole.append(alphabet.charAt(rng.nextInt(alphabet.length())));
            String stop = "ab\u00e9".substring(rng.nextInt(2), 2 + rng.nextInt(2));
            byte[] bytes = utf8(whole.toString());
            CompletionText t = new CompletionText(List.of(stop));
            StringBuilder sent = new StringBuilder();
            boolean stopped = false;
            for (int at = 0; at < bytes.length && !stopped; ) {
                int len = Math.min(bytes.length - at, 1 + rng.nextInt(3));
                stopped = t.add(java.util.Arrays.copyOfRange(bytes, at, at + len));
                at += len;
                if (!stopped) sent.append(t.takeSendable());
            }
            sent.append(t.takeRest());
            int cut = whole.indexOf(stop);
            assertEquals(cut < 0 ? whole.toString() : whole.substring(0, cut), sent.toString(), whole + " stop " + stop);
            assertEquals(cut >= 0, stopped);
        }
    }

    @Test
    void completeUtf8PrefixStopsBeforeAnUnfinishedCharacter() {
        byte[] euro = utf8("\u20ac");
        assertEquals(0, CompletionText.completeUtf8Prefix(new byte[] {euro[0], euro[1]}));
        assertEquals(3, CompletionText.completeUtf8Prefix(euro));
        assertEquals(1, CompletionText.completeUtf8Prefix(new byte[] {'x', euro[0]}));
        assertEquals(2, CompletionText.completeUtf8Prefix(new byte[] {'x', (byte) 0x80}), "a stray continuation byte is not waited for");
    }
}
