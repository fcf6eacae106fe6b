package org.moe4j.text.hf;

import java.util.regex.Matcher;
import org.moe4j.io.Json;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regular expression of a tokenizer.json, which the {@code tokenizers} library compiles with
 * Oniguruma (Ruby syntax, UTF-8), run with {@link java.util.regex}. Both are backtracking engines
 * with leftmost-first alternation, greedy, lazy and possessive quantifiers, atomic groups and
 * look-around, so one pattern behaves alike once the character classes agree:
 * <ul>
 *   <li>{@link Pattern#UNICODE_CHARACTER_CLASS}: {@code \s \w \d \b} are Unicode in Oniguruma
 *       ({@code \s} is White_Space, as in Java with the flag), and case-insensitive groups such as
 *       {@code (?i:'s|'t)} fold Unicode case ({@code 'ſ} matches {@code 's}), which the flag turns on;</li>
 *   <li>{@link Pattern#MULTILINE} and {@link Pattern#UNIX_LINES}: in Ruby syntax {@code ^}/{@code $}
 *       match at every line, and only {@code \n} ends one;</li>
 *   <li>rewritten: {@code \h}/{@code \H} (hex digit in Oniguruma, horizontal space in Java),
 *       {@code \p{^X}} (Oniguruma's negation) and the option {@code (?m)} (dot-all in Ruby,
 *       {@code (?s)} in Java);</li>
 *   <li>refused with a message: POSIX brackets {@code [[:alpha:]]} and a {@code +} after an
 *       interval {@code {n,m}}, which mean different things in the two syntaxes; and a
 *       case-insensitive pattern whose literal text takes part in a case folding to several
 *       characters (ß and ss, ﬁ and fi, İ): Oniguruma matches {@code (?i)straße} in "STRASSE",
 *       java.util.regex cannot. The families' {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)} has none.</li>
 * </ul>
 * Matches are listed as Oniguruma's {@code find_iter} does: after a match ending at e, an empty
 * match at e is skipped (Java's {@code find()} would report it) and the search moves one code point on.
 */
final class OnigRegex {
    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.MULTILINE | Pattern.UNIX_LINES;
    private final Pattern pattern;

    private OnigRegex(Pattern pattern) {
        this.pattern = pattern;
    }

    /** Receives matches in order as half-open UTF-16 ranges. */
    @FunctionalInterface
    interface MatchConsumer {
        void accept(int start, int end);
    }

    /** An Oniguruma pattern found at JSON path {@code path} (named in errors). */
    static OnigRegex compile(String onig, String path) {
        String java = translate(onig, path);
        try {
            return new OnigRegex(Pattern.compile(java, FLAGS));
        } catch (PatternSyntaxException e) {
            throw new TokenizerFormatException(path + ": the regular expression " + JsonNode.describe(onig)
                    + " does not compile: " + e.getDescription() + " near index " + e.getIndex());
        }
    }

    /** A pattern matching {@code text} literally (a {@code {"String": ...}} pattern). */
    static OnigRegex literal(String text) {
        return new OnigRegex(Pattern.compile(Pattern.quote(text)));
    }

    /** Calls {@code out} for each match in {@code s}, in order, as Oniguruma's find_iter. */
    void forEachMatch(String s, MatchConsumer out) {
        Matcher m = pattern.matcher(s);
        int n = s.length();
        int from = 0;
        int lastEnd = -1;
        while (from <= n && m.find(from)) {
            int start = m.start(), end = m.end();
            if (start == end && end == lastEnd) {
                from = end < n ? end + Character.charCount(s.codePointAt(end)) : n + 1;
                continue;
            }
            out.accept(start, end);
            lastEnd = end;
            from = end;
        }
    }

    /** The Java form of an Oniguruma (Ruby syntax) pattern; see the class comment. */
    static String translate(String onig, String path) {
        if (onig.matches("(?s).*\\(\\?[imx-]*i[imx-]*[:)].*")) {
            checkNoMultiCharFolding(onig, path);
        }
        StringBuilder out = new StringBuilder(onig.length() + 16);
        int classDepth = 0;
        int n = onig.length();
        for (int i = 0; i < n; i++) {
            char c = onig.charAt(i);
            if (c == '\\' && i + 1 < n) {
                char e = onig.charAt(i + 1);
                if (e == 'h' || e == 'H') {
                    if (classDepth > 0 && e == 'H') {
                        throw refuse(onig, path, "\\H inside a character class");
                    }
                    out.append(classDepth > 0 ? "0-9a-fA-F" : e == 'h' ? "[0-9a-fA-F]" : "[^0-9a-fA-F]");
                    i++;
                } else if ((e == 'p' || e == 'P') && i + 3 < n && onig.charAt(i + 2) == '{' && onig.charAt(i + 3) == '^') {
                    out.append('\\').append(e == 'p' ? 'P' : 'p').append('{');
                    i += 3;
                } else {
                    out.append(c).append(e);
                    i++;
                }
            } else if (c == '[') {
                if (classDepth > 0 && onig.startsWith("[:", i)) {
                    throw refuse(onig, path, "POSIX bracket expressions such as [[:alpha:]]");
                }
                classDepth++;
                out.append(c);
                // a ']' right after '[' or '[^' is a literal in both syntaxes
                if (i + 1 < n && onig.charAt(i + 1) == '^') {
                    out.append('^');
                    i++;
                }
                if (i + 1 < n && onig.charAt(i + 1) == ']') {
                    out.append("\\]");
                    i++;
                }
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                out.append(c);
            } else if (classDepth == 0 && c == '(' && onig.startsWith("(?", i) && isOptionGroup(onig, i + 2)) {
                int j = i + 2;
                out.append("(?");
                while (j < n && onig.charAt(j) != ':' && onig.charAt(j) != ')') {
                    char o = onig.charAt(j);
                    out.append(o == 'm' ? 's' : o);
                    j++;
                }
                i = j - 1;
            } else if (classDepth == 0 && c == '}' && i + 1 < n && onig.charAt(i + 1) == '+' && closesInterval(onig, i)) {
                throw refuse(onig, path, "'+' after an interval {n,m} (possessive in Java, a repetition in Ruby syntax)");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Whether {@code (?} at {@code from - 2} opens an inline option group such as {@code (?i:} or {@code (?mx-i)}. */
    private static boolean isOptionGroup(String s, int from) {
        int j = from;
        while (j < s.length() && "imx-".indexOf(s.charAt(j)) >= 0) {
            j++;
        }
        return j > from && j < s.length() && (s.charAt(j) == ':' || s.charAt(j) == ')');
    }

    /** Whether the '}' at {@code close} ends an interval quantifier {n}, {n,}, {,m} or {n,m}. */
    private static boolean closesInterval(String s, int close) {
        int j = close - 1;
        boolean digits = false;
        while (j >= 0 && (Character.isDigit(s.charAt(j)) || s.charAt(j) == ',')) {
            digits |= Character.isDigit(s.charAt(j));
            j--;
        }
        return digits && j >= 0 && s.charAt(j) == '{' && (j == 0 || s.charAt(j - 1) != '\\');
    }

    /**
     * Refuses a case-insensitive pattern with a literal character whose full case folding is
     * several characters (ß folds to ss), or a run of literal characters holding such a folding (ss).
     * Conservative: the whole pattern is checked once any group is case-insensitive.
     */
    private static void checkNoMultiCharFolding(String onig, String path) {
        java.util.List<String> folds = MultiCharFolds.FOLDS;
        StringBuilder run = new StringBuilder();
        int classDepth = 0;
        for (int i = 0; i <= onig.length(); i++) {
            int cp = i < onig.length() ? onig.codePointAt(i) : -1;
            boolean literal = cp >= 0 && (Character.isLetter(cp) || Character.getType(cp) == Character.NON_SPACING_MARK
                    || cp == '\'' || cp == 0x2BC);
            if (cp == '\\') {
                i++;
            } else if (cp == '[') {
                classDepth++;
            } else if (cp == ']' && classDepth > 0) {
                classDepth--;
            }
            if (literal && MultiCharFolds.hasMultiCharFold(cp)) {
                throw refuse(onig, path, Json.quoteForMessage(Character.toString(cp))
                        + " in a case-insensitive pattern (Oniguruma folds it to several characters, java.util.regex does not)");
            }
            if (literal && classDepth == 0) {
                run.appendCodePoint(cp);
            } else if (!run.isEmpty()) {
                String lower = run.toString().toLowerCase(java.util.Locale.ROOT);
                for (String f : folds) {
                    if (lower.contains(f)) {
                        throw refuse(onig, path, Json.quoteForMessage(f) + " in a case-insensitive pattern (Oniguruma also"
                                + " matches the one character that folds to it, java.util.regex does not)");
                    }
                }
                run.setLength(0);
            }
            if (cp > 0xFFFF) {
                i++;
            }
        }
    }

    /** The code points whose full case folding has several code points, and those foldings (computed from the JDK's case mappings). */
    private static final class MultiCharFolds {
        static final java.util.BitSet CODE_POINTS = new java.util.BitSet();
        static final java.util.List<String> FOLDS;

        static {
            java.util.Set<String> folds = new java.util.TreeSet<>();
            for (int cp = 0; cp < 0x10000; cp++) {
                if (Character.isSurrogate((char) cp)) {
                    continue;
                }
                String fold = Character.toString(cp);
                // twice: ẞ lowercases to ß, which then uppercases to SS
                for (int round = 0; round < 2; round++) {
                    fold = fold.toUpperCase(java.util.Locale.ROOT).toLowerCase(java.util.Locale.ROOT);
                }
                if (fold.codePointCount(0, fold.length()) > 1) {
                    CODE_POINTS.set(cp);
                    folds.add(fold);
                }
            }
            FOLDS = java.util.List.copyOf(folds);
        }

        static boolean hasMultiCharFold(int cp) {
            return cp < 0x10000 && CODE_POINTS.get(cp);
        }
    }

    private static TokenizerFormatException refuse(String onig, String path, String what) {
        return new TokenizerFormatException(path + ": the regular expression " + JsonNode.describe(onig) + " uses " + what
                + ", which moe4j does not translate to java.util.regex");
    }
}
