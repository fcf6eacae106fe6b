package org.moe4j.text;

/**
 * Splits UTF-8 bytes into pieces ("words") that byte-pair merges never cross, so that a token never
 * spans, say, a word and the punctuation after it. The rule, without regular expressions, looks at
 * each byte's class:
 * <ul>
 *   <li>letter: ASCII A-Z, a-z, and every byte >= 0x80 (so each multi-byte UTF-8 character stays
 *       inside its word, whatever script it is);</li>
 *   <li>digit: 0-9;</li>
 *   <li>space: ' ' (0x20);</li>
 *   <li>line: the other ASCII whitespace, \t \n \u000B \f \r;</li>
 *   <li>other: everything else (punctuation, symbols, control bytes including NUL).</li>
 * </ul>
 * A piece is a maximal run of bytes of one class, except that a single space directly before a
 * letter, digit or other run joins that run as its first byte (" whale", " 1851", " --"), as in
 * GPT-2; of a run of several spaces before a word, only the last joins it. A piece longer than
 * {@link #MAX_PIECE_BYTES} is cut into parts of at most that many bytes, each cut moved back to the
 * start of a UTF-8 character: this bounds the work of merging one piece (a megabyte-long line of
 * base64 is many short pieces, not one long one) and changes nothing for ordinary words.
 *
 * <p>Every decision looks at most one byte ahead and only after a space, so a piece boundary sits
 * wherever a non-whitespace byte is followed by a line byte: text cut there splits into the same
 * pieces as the whole (see {@link #isSafeCut}).
 */
public final class PreTokenizer {
    /** Longest piece, in bytes. */
    public static final int MAX_PIECE_BYTES = 64;
    static final int LETTER = 0, DIGIT = 1, SPACE = 2, LINE = 3, OTHER = 4;
    private static final byte[] CLASS = new byte[256];

    static {
        for (int b = 0; b < 256; b++) {
            CLASS[b] = (byte) ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b >= 0x80 ? LETTER
                    : b >= '0' && b <= '9' ? DIGIT
                    : b == ' ' ? SPACE
                    : b == '\t' || b == '\n' || b == 0x0B || b == '\f' || b == '\r' ? LINE
                    : OTHER);
        }
    }

    private PreTokenizer() {}

    /** Receives the pieces in order as half-open ranges of the byte array. */
    @FunctionalInterface
    public interface PieceConsumer {
        void accept(int start, int end);
    }

    /** Calls {@code consumer} for each piece of {@code bytes[start, end)}, in order, covering every byte. */
    public static void split(byte[] bytes, int start, int end, PieceConsumer consumer) {
        int i = start;
        while (i < end) {
            int cls = CLASS[bytes[i] & 0xff];
            if (cls == SPACE) {
                int j = i;
                while (j < end && bytes[j] == ' ') {
                    j++;
                }
                boolean wordFollows = j < end && joinsSpace(CLASS[bytes[j] & 0xff]);
                if (!wordFollows) {
                    emit(bytes, consumer, i, j);
                    i = j;
                    continue;
                }
                if (j - i > 1) {
                    emit(bytes, consumer, i, j - 1);
                }
                int pieceStart = j - 1;
                int wordClass = CLASS[bytes[j] & 0xff];
                int k = j;
                while (k < end && CLASS[bytes[k] & 0xff] == wordClass) {
                    k++;
                }
                emit(bytes, consumer, pieceStart, k);
                i = k;
            } else {
                int j = i + 1;
                while (j < end && CLASS[bytes[j] & 0xff] == cls) {
                    j++;
                }
                emit(bytes, consumer, i, j);
                i = j;
            }
        }
    }

    /** Passes {@code [start, end)} on in parts of at most {@link #MAX_PIECE_BYTES}, cut at character starts. */
    private static void emit(byte[] bytes, PieceConsumer consumer, int start, int end) {
        while (end - start > MAX_PIECE_BYTES) {
            int cut = start + MAX_PIECE_BYTES;
            while (cut > start + 1 && (bytes[cut] & 0xC0) == 0x80) {
                cut--;
            }
            consumer.accept(start, cut);
            start = cut;
        }
        consumer.accept(start, end);
    }

    /**
     * Whether splitting {@code bytes} before index {@code at} separately gives the same pieces as
     * splitting the whole: true when a non-whitespace byte is followed by a line byte.
     */
    public static boolean isSafeCut(byte[] bytes, int at) {
        return at > 0 && at < bytes.length && joinsSpace(CLASS[bytes[at - 1] & 0xff]) && CLASS[bytes[at] & 0xff] == LINE;
    }

    private static boolean joinsSpace(int cls) {
        return cls == LETTER || cls == DIGIT || cls == OTHER;
    }
}
