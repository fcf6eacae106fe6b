package org.moe4j.model;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.autograd.GradMode;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.nn.FeedForwardBlock;

/**
 * What each expert receives: runs token sequences through the model (evaluation mode, nothing
 * recorded) and counts, for every MoE layer, how often each input token id is routed to each
 * expert. counts[layer][expert][tokenId]; layers without experts are null.
 */
public final class ExpertSpecialisation {
    private ExpertSpecialisation() {}

    // ids: (B*T)
    public static long[][][] count(TransformerLM model, int[] ids, int seqLen) {
        List<FeedForwardBlock> blocks = model.feedForwardBlocks();
        long[][][] counts = new long[blocks.size()][][];
        boolean wasTraining = model.isTraining();
        model.train(false);
        try (var scope = GradMode.noGrad()) {
            for (int start = 0; start + seqLen <= ids.length; start += seqLen * 8) {
                int n = Math.min(ids.length - start, seqLen * 8) / seqLen * seqLen;
                int[] chunk = java.util.Arrays.copyOfRange(ids, start, start + n);
                model.logits(chunk, seqLen, new AuxiliaryLosses());
                for (int l = 0; l < blocks.size(); l++) {
                    int[][] pairs = blocks.get(l).lastAssignments();
                    if (pairs == null) continue;
                    if (counts[l] == null) {
                        int experts = 0;
                        for (int e : pairs[1]) experts = Math.max(experts, e + 1);
                        counts[l] = new long[Math.max(experts, expertCount(blocks.get(l)))][model.config().vocabSize()];
                    }
                    for (int p = 0; p < pairs[0].length; p++) counts[l][pairs[1][p]][chunk[pairs[0][p]]]++;
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return counts;
    }

    private static int expertCount(FeedForwardBlock block) {
        return block.diagnostics().map(d -> d.tokensPerExpert().length).orElse(0);
    }

    /** The layers that have experts. */
    public static List<Integer> expertLayers(long[][][] counts) {
        List<Integer> out = new ArrayList<>();
        for (int l = 0; l < counts.length; l++) if (counts[l] != null) out.add(l);
        return out;
    }
}
