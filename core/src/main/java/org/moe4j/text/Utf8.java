package org.moe4j.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Lenient UTF-8 decoding, the one rule every tokenizer and corpus reader here follows: each
 * ill-formed sequence (a stray continuation byte, a truncated sequence, an overlong form, an encoded
 * surrogate, a value above U+10FFFF) becomes U+FFFD replacement characters exactly as the JDK's
 * UTF-8 decoder delimits them: C0 AF gives two, a truncated E2 82 one, an encoded surrogate ED A0 80
 * one. Decoding never throws, and {@link #decode} and {@link #decodeCounting} give the same text.
 */
public final class Utf8 {
    /** The replacement character written for ill-formed input. */
    public static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /** Text of {@code bytes}, ill-formed parts replaced by U+FFFD. */
    public static String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Text of {@code bytes[offset, offset + length)} and how many ill-formed parts were replaced. */
    public record Decoded(String text, int malformed) {}

    /** Like {@link #decode} for a range, also counting the replacements (to recognise binary files). */
    public static Decoded decodeCounting(byte[] bytes, int offset, int length) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        // UTF-8 never needs more chars than bytes, and a replacement is one char for at least one byte
        CharBuffer out = CharBuffer.allocate(length);
        int malformed = 0;
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                malformed++;
                out.put(REPLACEMENT);
                in.position(in.position() + result.length());
            } else {
                decoder.flush(out);
                break;
            }
        }
        return new Decoded(out.flip().toString(), malformed);
    }
}
