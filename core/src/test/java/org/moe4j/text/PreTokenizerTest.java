package org.moe4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class PreTokenizerTest {
    static List<String> pieces(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        PreTokenizer.split(b, 0, b.length, (s, e) -> out.add(new String(b, s, e - s, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void splitsBeforeSpacesAndBetweenClasses() {
        assertEquals(List.of("Call", " me", " Ishmael", ".", " Some", " years", " ago", "--", "never"),
                pieces("Call me Ishmael. Some years ago--never"));
        assertEquals(List.of("In", " 1851", ",", "\r\n", "  ", " whale", "\n\n"), pieces("In 1851,\r\n   whale\n\n"));
        assertEquals(List.of("naïve", " café", " 🐳", "\u0000", "x", "   "), pieces("naïve café 🐳\u0000x   "));
        assertEquals(List.of(" ", "\t", "\"", "Oh", "!\""), pieces(" \t\"Oh!\""));
    }

    @Test
    void piecesCoverTheInputAndSafeCutsKeepThem() {
        Rng rng = new Rng(21);
        for (int trial = 0; trial < 200; trial++) {
            String text = RandomText.of(rng, 1 + rng.nextInt(60));
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            List<String> whole = pieces(text);
            assertEquals(text, String.join("", whole));
            for (int at = 1; at < b.length; at++) {
                if (PreTokenizer.isSafeCut(b, at)) {
                    List<String> cut = new ArrayList<>();
                    PreTokenizer.split(b, 0, at, (s, e) -> cut.add(new String(b, s, e - s, StandardCharsets.UTF_8)));
                    PreTokenizer.split(b, at, b.length, (s, e) -> cut.add(new String(b, s, e - s, StandardCharsets.UTF_8)));
                    assertEquals(whole, cut, "cut at " + at + " of " + text);
                }
            }
        }
    }
}
