package org.moe4j.text.hf;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code encode(text, addSpecialTokens = true)} adds around the ids of one sequence (the
 * library's post-processors; moe4j encodes single sequences, so only the {@code single} template
 * of a TemplateProcessing applies). ByteLevel post-processing only trims offsets: no ids change.
 */
interface PostProcessor {
    List<String> SUPPORTED = List.of("ByteLevel", "TemplateProcessing", "BertProcessing", "RobertaProcessing", "Sequence");

    /** The ids of one encoded sequence with the special tokens this processor adds. */
    int[] process(int[] ids);

    static PostProcessor fromJson(JsonNode node) {
        return switch (node.type(SUPPORTED)) {
            case "ByteLevel" -> ids -> ids;
            case "BertProcessing", "RobertaProcessing" -> {
                int cls = (int) node.get("cls").elements().get(1).integer(0, Integer.MAX_VALUE);
                int sep = (int) node.get("sep").elements().get(1).integer(0, Integer.MAX_VALUE);
                yield ids -> concat(new int[] {cls}, ids, new int[] {sep});
            }
            case "TemplateProcessing" -> template(node);
            case "Sequence" -> {
                List<PostProcessor> steps = node.get("processors").elements().stream().map(PostProcessor::fromJson).toList();
                yield ids -> {
                    for (PostProcessor p : steps) {
                        ids = p.process(ids);
                    }
                    return ids;
                };
            }
            default -> throw new AssertionError(node.path());
        };
    }

    /**
     * The {@code single} template: a list of pieces {@code {"Sequence": {"id": "A"}}} (the text's
     * ids) and {@code {"SpecialToken": {"id": "<s>"}}} (the ids listed for it under
     * {@code special_tokens}). The string form ({@code "<s> $A"}) is for the library's constructor
     * only; its tokenizer.json reader refuses it, and so does moe4j.
     */
    private static PostProcessor template(JsonNode node) {
        JsonNode single = node.get("single");
        List<String> pieces = new ArrayList<>();
        for (JsonNode piece : single.elements()) {
            if (piece.has("Sequence")) {
                String id = piece.get("Sequence").get("id").string();
                if (!id.equals("A")) {
                    throw new TokenizerFormatException(piece.path() + ".Sequence.id is " + JsonNode.describe(id)
                            + "; a single-sequence template can only hold sequence \"A\"");
                }
                pieces.add(null);
            } else if (piece.has("SpecialToken")) {
                pieces.add(piece.get("SpecialToken").get("id").string());
            } else {
                throw piece.error("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
            }
        }
        List<int[]> parts = new ArrayList<>();
        for (String piece : pieces) {
            if (piece == null) {
                parts.add(null);
                continue;
            }
            JsonNode special = node.get("special_tokens").get(piece);
            if (special.isNull()) {
                throw new TokenizerFormatException(single.path() + " uses " + JsonNode.describe(piece)
                        + ", which is not in " + node.get("special_tokens").path());
            }
            parts.add(special.get("ids").elements().stream().mapToInt(e -> (int) e.integer(0, Integer.MAX_VALUE)).toArray());
        }
        return ids -> {
            List<int[]> all = new ArrayList<>(parts.size());
            for (int[] p : parts) {
                all.add(p == null ? ids : p);
            }
            return concat(all.toArray(int[][]::new));
        };
    }

    private static int[] concat(int[]... arrays) {
        int n = 0;
        for (int[] a : arrays) {
            n += a.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] a : arrays) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }
}
