package org.moe4j.text.hf;

import java.util.function.IntPredicate;

/**
 * Pre-tokenizers that split on one class of characters, each matching character a match of its
 * own: {@code Digits} (Rust's {@code char::is_numeric}: general categories Nd, Nl, No; runs kept
 * together unless {@code individual_digits}), {@code Punctuation} (ASCII punctuation, which
 * includes symbols such as {@code $ + < = > ^ ` | ~}, or a Unicode P* category) and
 * {@code WhitespaceSplit} (cut at White_Space, which is dropped).
 */
final class CharSplit implements PreTokenizer {
    private final IntPredicate isMatch;
    private final SplitBehavior behavior;

    private CharSplit(IntPredicate isMatch, SplitBehavior behavior) {
        this.isMatch = isMatch;
        this.behavior = behavior;
    }

    static CharSplit digits(boolean individualDigits) {
        return new CharSplit(CharSplit::isNumeric, individualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous);
    }

    static CharSplit punctuation(SplitBehavior behavior) {
        return new CharSplit(CharSplit::isPunctuation, behavior);
    }

    static CharSplit whitespaceSplit() {
        return new CharSplit(CharSplit::isWhiteSpace, SplitBehavior.Removed);
    }

    static boolean isNumeric(int cp) {
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    static boolean isPunctuation(int cp) {
        if (cp < 0x80) {
            return (cp >= '!' && cp <= '/') || (cp >= ':' && cp <= '@') || (cp >= '[' && cp <= '`') || (cp >= '{' && cp <= '~');
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** Unicode's White_Space property, Rust's {@code char::is_whitespace} (Java's isWhitespace differs on NBSP and others). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    @Override
    public void split(String piece, boolean atStart, PieceSink out) {
        behavior.apply(piece, atStart, SplitBehavior.Segments.of(piece, isMatch), out);
    }
}
