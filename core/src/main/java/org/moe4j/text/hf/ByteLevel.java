package org.moe4j.text.hf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * GPT-2's byte-level mapping (Radford et al. 2019): every byte is shown as one printable
 * character, so a BPE vocabulary of strings can hold any byte sequence. The printable bytes
 * {@code ! .. ~}, {@code ¡ .. ¬} and {@code ® .. ÿ} stand for themselves; the other 68 bytes, in
 * increasing order, become U+0100, U+0101, ... (space is U+0120 'Ġ', newline U+010A 'Ċ').
 *
 * <p>As a pre-tokenizer it optionally adds a leading space ({@code add_prefix_space}) and cuts the
 * piece with GPT-2's regex ({@code use_regex}), then rewrites each piece's UTF-8 bytes as their
 * characters. As a decoder it maps the characters of all tokens back to bytes (a token with any
 * character outside the table contributes its own UTF-8, as added tokens do) and reads them as
 * UTF-8 with replacement characters ({@link Utf8Lossy}). As a post-processor it only adjusts
 * offsets, which moe4j does not report, so it changes no ids.
 */
final class ByteLevel implements PreTokenizer, Decoder {
    /** GPT-2's pre-tokenization pattern, used when {@code use_regex} is true. */
    static final String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    private static final char[] BYTE_CHAR = new char[256];
    // inverse of BYTE_CHAR over chars below 0x144; -1 for characters that stand for no byte
    private static final short[] CHAR_BYTE = new short[0x144];
    private static final OnigRegex GPT2 = OnigRegex.compile(GPT2_PATTERN, "ByteLevel");

    static {
        java.util.Arrays.fill(CHAR_BYTE, (short) -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_CHAR[b] = printable ? (char) b : (char) (256 + extra++);
            CHAR_BYTE[BYTE_CHAR[b]] = (short) b;
        }
    }

    private final boolean addPrefixSpace;
    private final boolean useRegex;

    ByteLevel(boolean addPrefixSpace, boolean useRegex) {
        this.addPrefixSpace = addPrefixSpace;
        this.useRegex = useRegex;
    }

    /** Reads {@code {"type": "ByteLevel", "add_prefix_space", "trim_offsets", "use_regex"}} (defaults true, true, true). */
    static ByteLevel fromJson(JsonNode node) {
        return new ByteLevel(node.get("add_prefix_space").boolOr(true), node.get("use_regex").boolOr(true));
    }

    /** The character byte {@code b} is written as. */
    static char byteChar(int b) {
        return BYTE_CHAR[b & 0xff];
    }

    /** The byte character {@code c} stands for, or -1. */
    static int charByte(int c) {
        return c >= 0 && c < CHAR_BYTE.length ? CHAR_BYTE[c] : -1;
    }

    /** The UTF-8 bytes of {@code s}, each written as its character. */
    static String toByteChars(String s) {
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        if (ascii) {
            char[] out = new char[n];
            for (int i = 0; i < n; i++) {
                out[i] = BYTE_CHAR[s.charAt(i)];
            }
            return new String(out);
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = BYTE_CHAR[utf8[i] & 0xff];
        }
        return new String(out);
    }

    @Override
    public void split(String piece, boolean atStart, PieceSink out) {
        String s = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
        if (useRegex) {
            SplitBehavior.Isolated.apply(s, atStart, SplitBehavior.Segments.of(s, GPT2),
                    (part, partAtStart) -> out.accept(toByteChars(part), partAtStart));
        } else {
            out.accept(toByteChars(s), atStart);
        }
    }

    @Override
    public List<String> decodeChain(List<String> tokens) {
        return List.of(Utf8Lossy.decode(bytes(tokens)));
    }

    /** The bytes {@code tokens} stand for: each token's byte characters, or its UTF-8 if it has another character. */
    static byte[] bytes(List<String> tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String t : tokens) {
            boolean allBytes = true;
            for (int i = 0; i < t.length() && allBytes; i++) {
                allBytes = charByte(t.charAt(i)) >= 0;
            }
            if (allBytes) {
                for (int i = 0; i < t.length(); i++) {
                    out.write(charByte(t.charAt(i)));
                }
            } else {
                out.writeBytes(t.getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
