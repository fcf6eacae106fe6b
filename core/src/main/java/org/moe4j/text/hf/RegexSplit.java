package org.moe4j.text.hf;

/**
 * The {@code Split} pre-tokenizer: cuts a piece where a pattern matches and keeps, drops or merges
 * the matched parts by its {@link SplitBehavior}; with {@code invert} the pattern marks the parts
 * to keep instead. The pattern is {@code {"Regex": "..."}} (an Oniguruma expression, see
 * {@link OnigRegex}) or {@code {"String": "..."}} (matched literally). Qwen2/3, Llama 3 and
 * gpt-oss use one Split with their family's regex, DeepSeek-V3 a chain of three.
 */
final class RegexSplit implements PreTokenizer {
    private final OnigRegex regex;
    private final SplitBehavior behavior;
    private final boolean invert;

    RegexSplit(OnigRegex regex, SplitBehavior behavior, boolean invert) {
        this.regex = regex;
        this.behavior = behavior;
        this.invert = invert;
    }

    static RegexSplit fromJson(JsonNode node) {
        return new RegexSplit(pattern(node.get("pattern")), SplitBehavior.fromJson(node.get("behavior")), node.get("invert").bool());
    }

    /** A {@code {"String": s}} or {@code {"Regex": r}} pattern (Split pre-tokenizer, Replace normalizer and decoder). */
    static OnigRegex pattern(JsonNode node) {
        if (node.has("String")) {
            return OnigRegex.literal(node.get("String").string());
        }
        if (node.has("Regex")) {
            return OnigRegex.compile(node.get("Regex").string(), node.path() + ".Regex");
        }
        throw node.error("expected {\"String\": ...} or {\"Regex\": ...}");
    }

    /** The {@code Whitespace} pre-tokenizer: runs of word characters and runs of other non-space characters. */
    static RegexSplit whitespace() {
        return new RegexSplit(OnigRegex.compile("\\w+|[^\\w\\s]+", "Whitespace"), SplitBehavior.Removed, true);
    }

    @Override
    public void split(String piece, boolean atStart, PieceSink out) {
        SplitBehavior.Segments segments = SplitBehavior.Segments.of(piece, regex);
        if (invert) {
            segments.invert();
        }
        behavior.apply(piece, atStart, segments, out);
    }
}
