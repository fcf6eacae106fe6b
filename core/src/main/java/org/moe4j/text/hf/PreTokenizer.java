package org.moe4j.text.hf;

import java.util.List;

/**
 * Cuts a piece of normalized text into smaller pieces that BPE merges never cross, and may rewrite
 * them (ByteLevel, Metaspace). The library applies a pre-tokenizer to every piece separately, so
 * a sequence of them composes piece by piece: each piece the first one emits goes through the
 * second at once, with no list of all pieces in between.
 */
interface PreTokenizer {
    List<String> SUPPORTED = List.of("ByteLevel", "Split", "Digits", "Punctuation", "Metaspace", "Sequence",
            "Whitespace", "WhitespaceSplit");

    /** Hands the pieces of {@code piece} to {@code out}, in order. */
    void split(String piece, boolean atStart, PieceSink out);

    /** The pre-tokenizer described at {@code node} (the {@code pre_tokenizer} member or one of a Sequence's). */
    static PreTokenizer fromJson(JsonNode node) {
        return switch (node.type(SUPPORTED)) {
            case "ByteLevel" -> ByteLevel.fromJson(node);
            case "Split" -> RegexSplit.fromJson(node);
            case "Digits" -> CharSplit.digits(node.get("individual_digits").boolOr(false));
            case "Punctuation" -> CharSplit.punctuation(node.has("behavior")
                    ? SplitBehavior.fromJson(node.get("behavior")) : SplitBehavior.Isolated);
            case "Metaspace" -> Metaspace.fromJson(node);
            case "Whitespace" -> RegexSplit.whitespace();
            case "WhitespaceSplit" -> CharSplit.whitespaceSplit();
            case "Sequence" -> {
                List<PreTokenizer> steps = node.get("pretokenizers").elements().stream().map(PreTokenizer::fromJson).toList();
                yield sequence(steps);
            }
            default -> throw new AssertionError(node.path());
        };
    }

    /** The pre-tokenizers one after the other. */
    static PreTokenizer sequence(List<PreTokenizer> steps) {
        if (steps.isEmpty()) {
            return (piece, atStart, out) -> out.accept(piece, atStart);
        }
        PreTokenizer first = steps.getFirst();
        if (steps.size() == 1) {
            return first;
        }
        PreTokenizer rest = sequence(steps.subList(1, steps.size()));
        return (piece, atStart, out) -> first.split(piece, atStart, (p, s) -> rest.split(p, s, out));
    }
}
