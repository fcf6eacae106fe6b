package org.moe4j.text.hf;

import java.util.ArrayList;
import java.util.List;

/**
 * SentencePiece's word marker (Kudo and Richardson 2018): spaces are written as a replacement
 * character, by default U+2581 '▁', so a token can carry the space before a word.
 *
 * <p>Pre-tokenizer: every space becomes the replacement; {@code prepend_scheme} then adds one in
 * front of a piece that does not start with it: {@code always}, {@code first} (only the piece at
 * the start of the input), {@code never}; with {@code split} (default true) the piece is cut before
 * each replacement ({@code MergedWithNext}). An old {@code add_prefix_space: false} means
 * {@code never}. Decoder: each replacement becomes a space, except in the first token, where they
 * are dropped unless the scheme is {@code never}.
 */
final class Metaspace implements PreTokenizer, Decoder {
    enum PrependScheme { always, first, never }

    private final int replacement;
    private final String replacementText;
    private final PrependScheme prependScheme;
    private final boolean split;

    Metaspace(int replacement, PrependScheme prependScheme, boolean split) {
        this.replacement = replacement;
        this.replacementText = Character.toString(replacement);
        this.prependScheme = prependScheme;
        this.split = split;
    }

    static Metaspace fromJson(JsonNode node) {
        int replacement = node.get("replacement").codePoint();
        PrependScheme scheme = PrependScheme.always;
        JsonNode schemeNode = node.get("prepend_scheme");
        if (!schemeNode.isNull()) {
            try {
                scheme = PrependScheme.valueOf(schemeNode.string());
            } catch (IllegalArgumentException e) {
                throw schemeNode.error("expected \"always\", \"first\" or \"never\"");
            }
        }
        JsonNode addPrefixSpace = node.get("add_prefix_space");
        if (!addPrefixSpace.isNull() && !addPrefixSpace.bool()) {
            if (scheme != PrependScheme.never) {
                throw new TokenizerFormatException(node.path() + ": add_prefix_space is false but prepend_scheme is \""
                        + scheme + "\"; they must agree (false goes with \"never\")");
            }
            scheme = PrependScheme.never;
        }
        return new Metaspace(replacement, scheme, node.get("split").boolOr(true));
    }

    @Override
    public void split(String piece, boolean atStart, PieceSink out) {
        String s = piece.replace(" ", replacementText);
        boolean prepend = switch (prependScheme) {
            case always -> true;
            case first -> atStart;
            case never -> false;
        };
        if (prepend && !s.startsWith(replacementText)) {
            s = replacementText + s;
        }
        if (!split) {
            out.accept(s, atStart);
            return;
        }
        SplitBehavior.MergedWithNext.apply(s, atStart, SplitBehavior.Segments.of(s, cp -> cp == replacement), out);
    }

    @Override
    public List<String> decodeChain(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            boolean drop = i == 0 && prependScheme != PrependScheme.never;
            StringBuilder sb = new StringBuilder(t.length());
            t.codePoints().forEach(cp -> {
                if (cp != replacement) {
                    sb.appendCodePoint(cp);
                } else if (!drop) {
                    sb.append(' ');
                }
            });
            out.add(sb.toString());
        }
        return out;
    }
}
