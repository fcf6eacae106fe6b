package org.moe4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class Utf8Test {
    @Test
    void countingDecoderAgreesWithTheJdkOnRandomBytes() {
        Rng rng = new Rng(17);
        for (int trial = 0; trial < 500; trial++) {
            byte[] b = new byte[rng.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                // mostly the bytes UTF-8 is made of, to hit near-valid sequences
                b[i] = (byte) (rng.nextInt(4) == 0 ? rng.nextInt(256) : 0x80 + rng.nextInt(0x78));
            }
            Utf8.Decoded d = Utf8.decodeCounting(b, 0, b.length);
            String jdk = new String(b, StandardCharsets.UTF_8);
            assertEquals(jdk, d.text(), "trial " + trial);
            assertEquals(jdk.chars().filter(c -> c == Utf8.REPLACEMENT).count(), d.malformed(), "trial " + trial);
        }
    }

    @Test
    void validTextHasNoReplacements() {
        byte[] b = "x naïve 🐳\r\n\u0000".getBytes(StandardCharsets.UTF_8);
        Utf8.Decoded d = Utf8.decodeCounting(b, 2, b.length - 2);
        assertEquals("naïve 🐳\r\n\u0000", d.text());
        assertEquals(0, d.malformed());
    }
}
