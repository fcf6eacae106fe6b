package org.moe4j.moe;

import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Converts between stacked expert tensors ({@code w1.weight} [E, out, in]) and per-expert ones as
 * Hugging Face checkpoints store them ({@code PREFIX.3.w1.weight} [out, in] for expert 3, e.g.
 * {@code model.layers.0.block_sparse_moe.experts.3.w1.weight} with prefix
 * {@code model.layers.0.block_sparse_moe.experts}).
 */
public final class PerExpertWeights {
    private PerExpertWeights() {}

    /** Copies every expert's tensors into the stacked parameters of {@code experts}; all must be present with the right shape. */
    public static void load(Module experts, Map<String, Tensor> perExpert, String prefix) {
        load(experts, perExpert, prefix, 0);
    }

    /**
     * As above for stacked parameters holding the layer's experts [first, first + count): slot i
     * takes {@code PREFIX.(first + i).NAME}; the other experts' tensors are not read.
     */
    public static void load(Module experts, Map<String, Tensor> perExpert, String prefix, int first) {
        for (var entry : experts.namedParameters().entrySet()) {
            Tensor stacked = entry.getValue().value();
            int count = stacked.dim(0);
            int block = stacked.size() / count;
            int[] want = java.util.Arrays.copyOfRange(stacked.shape(), 1, stacked.rank());
            for (int e = 0; e < count; e++) {
                String name = prefix + "." + (first + e) + "." + entry.getKey();
                Tensor t = perExpert.get(name);
                if (t == null) {
                    throw new IllegalArgumentException("per-expert weights: '" + name + "' is missing (expert " + (first + e)
                            + (first == 0 ? " of " + count : ", held here with " + (count - 1) + " more from " + first) + ")");
                }
                if (!java.util.Arrays.equals(t.shape(), want)) {
                    throw new IllegalArgumentException("per-expert weights: '" + name + "' has shape " + Shape.str(t.shape())
                            + ", the other experts' is " + Shape.str(want));
                }
                System.arraycopy(t.toArray(), 0, stacked.data(), stacked.offset() + e * block, block);
            }
        }
    }

    /** Every stacked parameter split into per-expert tensors under {@code PREFIX.e.NAME} (copies). */
    public static Map<String, Tensor> split(Module experts, String prefix) {
        return split(experts, prefix, 0);
    }

    /** As above for stacked parameters holding the layer's experts from {@code first}: slot i goes to {@code PREFIX.(first + i).NAME}. */
    public static Map<String, Tensor> split(Module experts, String prefix, int first) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var entry : experts.namedParameters().entrySet()) {
            Variable v = entry.getValue();
            Tensor stacked = v.value();
            int count = stacked.dim(0);
            int block = stacked.size() / count;
            int[] shape = java.util.Arrays.copyOfRange(stacked.shape(), 1, stacked.rank());
            for (int e = 0; e < count; e++) {
                out.put(prefix + "." + (first + e) + "." + entry.getKey(),
                        Tensor.view(stacked.data(), stacked.offset() + e * block, shape).copy());
            }
        }
        return out;
    }
}
