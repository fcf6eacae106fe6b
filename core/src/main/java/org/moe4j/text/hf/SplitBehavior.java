package org.moe4j.text.hf;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * What a split does with the parts of a string that a pattern matched (the library's
 * {@code SplitDelimiterBehavior}). A pattern cuts the string into consecutive segments, each
 * marked matched or not; then:
 * <ul>
 *   <li>{@code Removed}: matched segments are dropped;</li>
 *   <li>{@code Isolated}: every segment is its own piece;</li>
 *   <li>{@code MergedWithPrevious}: a matched segment joins the piece before it (unless that was matched too);</li>
 *   <li>{@code MergedWithNext}: a matched segment joins the piece after it (the same rule, from the right);</li>
 *   <li>{@code Contiguous}: consecutive segments with the same mark form one piece.</li>
 * </ul>
 * Empty pieces are dropped.
 */
enum SplitBehavior {
    Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous;

    static SplitBehavior fromJson(JsonNode node) {
        String name = node.string();
        for (SplitBehavior b : values()) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new TokenizerFormatException(node.path() + " is " + JsonNode.describe(name)
                + ", expected one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
    }

    /**
     * The segments of a string: triples (start, end, matched) covering it in order, as the
     * library's {@code Pattern::find_matches} returns them.
     */
    static final class Segments {
        private int[] data = new int[48];
        private int count;

        void add(int start, int end, boolean matched) {
            if (3 * count + 3 > data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[3 * count] = start;
            data[3 * count + 1] = end;
            data[3 * count + 2] = matched ? 1 : 0;
            count++;
        }

        int count() {
            return count;
        }

        int start(int i) {
            return data[3 * i];
        }

        int end(int i) {
            return data[3 * i + 1];
        }

        boolean matched(int i) {
            return data[3 * i + 2] != 0;
        }

        /** Flips every mark ({@code invert: true}). */
        void invert() {
            for (int i = 0; i < count; i++) {
                data[3 * i + 2] ^= 1;
            }
        }

        /** The segments of {@code s} for the regex (find_iter matches and the gaps between them). */
        static Segments of(String s, OnigRegex regex) {
            Segments out = new Segments();
            if (s.isEmpty()) {
                out.add(0, 0, false);
                return out;
            }
            int[] prev = {0};
            regex.forEachMatch(s, (start, end) -> {
                if (prev[0] != start) {
                    out.add(prev[0], start, false);
                }
                out.add(start, end, true);
                prev[0] = end;
            });
            if (prev[0] != s.length()) {
                out.add(prev[0], s.length(), false);
            }
            return out;
        }

        /** The segments of {@code s} for a character predicate: each matching code point is its own match. */
        static Segments of(String s, IntPredicate isMatch) {
            Segments out = new Segments();
            if (s.isEmpty()) {
                out.add(0, 0, false);
                return out;
            }
            int last = 0;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                int next = i + Character.charCount(cp);
                if (isMatch.test(cp)) {
                    if (last < i) {
                        out.add(last, i, false);
                    }
                    out.add(i, next, true);
                    last = next;
                }
                i = next;
            }
            if (last < s.length()) {
                out.add(last, s.length(), false);
            }
            return out;
        }
    }

    /** Cuts {@code s} at {@code segments} by this behavior and hands the non-empty pieces to {@code out}. */
    void apply(String s, boolean atStart, Segments segments, PieceSink out) {
        int n = segments.count();
        switch (this) {
            case Isolated -> {
                for (int i = 0; i < n; i++) {
                    emit(s, segments.start(i), segments.end(i), atStart, out);
                }
            }
            case Removed -> {
                for (int i = 0; i < n; i++) {
                    if (!segments.matched(i)) {
                        emit(s, segments.start(i), segments.end(i), atStart, out);
                    }
                }
            }
            case Contiguous, MergedWithPrevious -> {
                int pieceStart = -1, pieceEnd = -1;
                boolean previous = false;
                for (int i = 0; i < n; i++) {
                    boolean m = segments.matched(i);
                    boolean joins = this == Contiguous ? m == previous : m && !previous;
                    if (joins && pieceStart >= 0) {
                        pieceEnd = segments.end(i);
                    } else {
                        if (pieceStart >= 0) {
                            emit(s, pieceStart, pieceEnd, atStart, out);
                        }
                        pieceStart = segments.start(i);
                        pieceEnd = segments.end(i);
                    }
                    previous = m;
                }
                if (pieceStart >= 0) {
                    emit(s, pieceStart, pieceEnd, atStart, out);
                }
            }
            case MergedWithNext -> {
                // the library folds from the right: a matched segment joins the piece after it
                int[] starts = new int[n], ends = new int[n];
                int pieces = 0;
                boolean previous = false;
                for (int i = n - 1; i >= 0; i--) {
                    boolean m = segments.matched(i);
                    if (m && !previous && pieces > 0) {
                        starts[pieces - 1] = segments.start(i);
                    } else {
                        starts[pieces] = segments.start(i);
                        ends[pieces] = segments.end(i);
                        pieces++;
                    }
                    previous = m;
                }
                for (int p = pieces - 1; p >= 0; p--) {
                    emit(s, starts[p], ends[p], atStart, out);
                }
            }
        }
    }

    private static void emit(String s, int start, int end, boolean atStart, PieceSink out) {
        if (end > start) {
            out.accept(start == 0 && end == s.length() ? s : s.substring(start, end), atStart && start == 0);
        }
    }
}
