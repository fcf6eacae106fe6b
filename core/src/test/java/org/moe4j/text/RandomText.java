package org.moe4j.text;

import org.moe4j.tensor.Rng;

/** Seeded random strings that stress UTF-8 handling: ASCII, CRLF, NUL, accents, combining marks, CJK, astral emoji. */
final class RandomText {
    private static final int[][] RANGES = {
        {'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {' ', ' '}, {' ', '/'}, {'\r', '\r'}, {'\n', '\n'}, {0, 0}, {1, 31},
        {0x00C0, 0x00FF}, {0x0300, 0x036F}, {0x0391, 0x03C9}, {0x4E00, 0x9FFF}, {0x1F300, 0x1F64F},
        {0x1D400, 0x1D7FF}, {0x10000, 0x10FFFF}, {0xE000, 0xF8FF}, {0xFFF0, 0xFFFD},
    };

    private RandomText() {}

    static String of(Rng rng, int codePoints) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int r = rng.nextInt(10);
            if (r < 2) {
                sb.append(" ");
            } else if (r == 2) {
                sb.append("\r\n");
            } else {
                int[] range = RANGES[rng.nextInt(RANGES.length)];
                int cp = range[0] + rng.nextInt(range[1] - range[0] + 1);
                if (Character.isSurrogate((char) cp) && cp < 0x10000) {
                    cp = 'x';
                }
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }
}
