package org.moe4j.text.hf;

/**
 * UTF-8 to text with each ill-formed part replaced by U+FFFD, delimited as Rust's
 * {@code String::from_utf8_lossy} (and Python's {@code errors="replace"}) do: the Unicode
 * "maximal subpart" practice (Unicode 16.0, section 3.9, U+FFFD substitution). A lead byte followed
 * by valid continuation bytes that stop early is one replacement; every other bad byte is one.
 * So {@code ED A0 80} (an encoded surrogate) gives three, {@code E2 82} one, {@code C0 AF} two.
 * The decoded text of a byte-level tokenizer must match the library's character for character.
 */
final class Utf8Lossy {
    private Utf8Lossy() {}

    static String decode(byte[] b) {
        return decode(b, 0, b.length);
    }

    static String decode(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
                continue;
            }
            int need;
            int lo = 0x80, hi = 0xBF;
            int cp;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                cp = c & 0x1F;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                cp = c & 0x0F;
                if (c == 0xE0) lo = 0xA0;
                if (c == 0xED) hi = 0x9F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                cp = c & 0x07;
                if (c == 0xF0) lo = 0x90;
                if (c == 0xF4) hi = 0x8F;
            } else {
                sb.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                // only the second byte has a narrowed range (Unicode Table 3-7)
                int min = k == 0 ? lo : 0x80, max = k == 0 ? hi : 0xBF;
                if (j >= to || (b[j] & 0xff) < min || (b[j] & 0xff) > max) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (b[j] & 0x3F);
            }
            if (ok) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\uFFFD');
            }
            i = j;
        }
        return sb.toString();
    }
}
