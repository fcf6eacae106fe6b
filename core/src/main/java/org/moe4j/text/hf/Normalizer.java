package org.moe4j.text.hf;

import java.util.List;

/**
 * Rewrites a piece of input text before pre-tokenization (the library's normalizers). The library
 * runs the normalizer on each part of the input between added tokens separately, so
 * {@code Prepend} adds its text to each of those parts, and only when the part is not empty.
 */
interface Normalizer {
    List<String> SUPPORTED = List.of("NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Strip", "StripAccents", "Replace",
            "Prepend", "Sequence");

    String normalize(String s);

    static Normalizer fromJson(JsonNode node) {
        return switch (node.type(SUPPORTED)) {
            case "NFC" -> new UnicodeForm(java.text.Normalizer.Form.NFC);
            case "NFD" -> new UnicodeForm(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new UnicodeForm(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new UnicodeForm(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> new Lowercase();
            case "Strip" -> new Strip(node.get("strip_left").bool(), node.get("strip_right").bool());
            case "StripAccents" -> new StripAccents();
            case "Replace" -> new Replace(RegexSplit.pattern(node.get("pattern")), node.get("content").string());
            case "Prepend" -> new Prepend(node.get("prepend").string());
            case "Sequence" -> new Sequence(node.get("normalizers").elements().stream().map(Normalizer::fromJson).toList());
            default -> throw new AssertionError(node.path());
        };
    }

    /** Unicode normalization form NFC, NFD, NFKC or NFKD (UAX #15). */
    record UnicodeForm(java.text.Normalizer.Form form) implements Normalizer {
        @Override
        public String normalize(String s) {
            return java.text.Normalizer.isNormalized(s, form) ? s : java.text.Normalizer.normalize(s, form);
        }
    }

    /**
     * Each code point by its own full lowercase mapping (Rust's {@code char::to_lowercase}): no
     * final-sigma rule (Σ is always σ), and İ (U+0130) becomes i + U+0307, the one unconditional
     * mapping to two code points.
     */
    record Lowercase() implements Normalizer {
        @Override
        public String normalize(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            s.codePoints().forEach(cp -> {
                if (cp == 0x130) {
                    sb.append("i\u0307");
                } else {
                    sb.appendCodePoint(Character.toLowerCase(cp));
                }
            });
            return sb.toString();
        }
    }

    /** Removes White_Space at the left and/or right end. */
    record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public String normalize(String s) {
            int start = 0, end = s.length();
            while (left && start < end && CharSplit.isWhiteSpace(s.codePointAt(start))) {
                start += Character.charCount(s.codePointAt(start));
            }
            while (right && end > start && CharSplit.isWhiteSpace(s.codePointBefore(end))) {
                end -= Character.charCount(s.codePointBefore(end));
            }
            return s.substring(start, end);
        }
    }

    /** Removes combining marks (general categories Mn, Mc, Me); used after NFD or NFKD. */
    record StripAccents() implements Normalizer {
        @Override
        public String normalize(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            s.codePoints().forEach(cp -> {
                int t = Character.getType(cp);
                if (t != Character.NON_SPACING_MARK && t != Character.COMBINING_SPACING_MARK && t != Character.ENCLOSING_MARK) {
                    sb.appendCodePoint(cp);
                }
            });
            return sb.toString();
        }
    }

    /** Every match of a pattern replaced by {@code content}. */
    record Replace(OnigRegex pattern, String content) implements Normalizer {
        @Override
        public String normalize(String s) {
            return replaceAll(pattern, s, content);
        }

        static String replaceAll(OnigRegex pattern, String s, String content) {
            StringBuilder sb = new StringBuilder(s.length());
            int[] last = {0, 0};
            pattern.forEachMatch(s, (start, end) -> {
                sb.append(s, last[0], start).append(content);
                last[0] = end;
                last[1]++;
            });
            if (last[1] == 0) {
                return s;
            }
            return sb.append(s, last[0], s.length()).toString();
        }
    }

    /** {@code prepend} in front of a non-empty piece (Llama's "▁" before the text). */
    record Prepend(String prepend) implements Normalizer {
        @Override
        public String normalize(String s) {
            return s.isEmpty() ? s : prepend + s;
        }
    }

    record Sequence(List<Normalizer> steps) implements Normalizer {
        @Override
        public String normalize(String s) {
            for (Normalizer n : steps) {
                s = n.normalize(s);
            }
            return s;
        }
    }
}
