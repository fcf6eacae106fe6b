package org.moe4j.fff;

import org.moe4j.kernel.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.Activations;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * The batch-mean Bernoulli entropy of every node's decision, the hardening loss's ingredient
 * (Belcak and Wattenhofer 2023, section 3; the reference code's compute_entropy_safe):
 * H_n = mean_t [ -p log p - q log q ] with p = clamp(c, eps, 1 - eps), q = clamp(1 - c, eps, 1 - eps),
 * c = sigmoid(logit), eps = 1e-6. A clamped side contributes no gradient, as torch.clamp does.
 */
public final class NodeEntropy {
    private NodeEntropy() {}

    static final float EPSILON = 1e-6f;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int TOKENS_PER_TASK = 32;

    // logits: (T, N)   entropies: (N)
    /**
     * Backward: dH_n/dlogit_{t,n} = (1/T) slope c (1 - c) with slope = dH/dc = [q unclamped] (log q + 1)
     * - [p unclamped] (log p + 1), kept from the forward pass.
     */
    public static Variable entropies(Variable logits) {
        Tensor lv = logits.value();
        Shape.requireRank("fff entropies", "node logits", lv.shape(), 2);
        int tokens = lv.rows();
        int nodes = lv.cols();
        // c, entropy, slope: (T, N)
        float[] c = new float[tokens * nodes];
        Activations.sigmoid(lv.data(), lv.offset(), c, 0, c.length);
        float[] entropy = new float[c.length];
        float[] slope = new float[c.length];
        int tasks = (tokens + TOKENS_PER_TASK - 1) / TOKENS_PER_TASK;
        KernelPool.parallelFor(tasks, task -> {
            int from = task * TOKENS_PER_TASK * nodes;
            int to = Math.min(tokens, (task + 1) * TOKENS_PER_TASK) * nodes;
            for (int i = from; i < to; i += F.length()) {
                VectorMask<Float> m = F.indexInRange(i, to);
                entropyAndSlope(FloatVector.fromArray(F, c, i, m), entropy, slope, i, m);
            }
        });
        Tensor entropies = Tensor.zeros(nodes);
        double[] sums = new double[nodes];
        for (int t = 0; t < tokens; t++) {
            for (int n = 0; n < nodes; n++) sums[n] += entropy[t * nodes + n];
        }
        for (int n = 0; n < nodes; n++) {
            entropies.data()[n] = (float) (sums[n] / tokens);
        }
        return Variable.result("fff entropies", entropies, dEntropies -> {
            Tensor dLogits = Tensor.zeros(tokens, nodes);
            float[] dl = dLogits.data();
            float[] g = dEntropies.data();
            int gOff = dEntropies.offset();
            for (int t = 0; t < tokens; t++) {
                for (int n = 0; n < nodes; n++) {
                    int i = t * nodes + n;
                    dl[i] = g[gOff + n] / tokens * slope[i] * c[i] * (1f - c[i]);
                }
            }
            logits.accumulateGrad(dLogits);
        }, logits);
    }

    // c: the lanes of m at i   entropy, slope: written at i under m
    private static void entropyAndSlope(FloatVector c, float[] entropy, float[] slope, int i, VectorMask<Float> m) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector q = one.sub(c);
        FloatVector pc = c.max(EPSILON).min(1f - EPSILON);
        FloatVector qc = q.max(EPSILON).min(1f - EPSILON);
        FloatVector logP = VectorMath.log(pc);
        FloatVector logQ = VectorMath.log(qc);
        pc.mul(logP).add(qc.mul(logQ)).neg().intoArray(entropy, i, m);
        VectorMask<Float> pFree = c.compare(VectorOperators.GE, EPSILON).and(c.compare(VectorOperators.LE, 1f - EPSILON));
        VectorMask<Float> qFree = q.compare(VectorOperators.GE, EPSILON).and(q.compare(VectorOperators.LE, 1f - EPSILON));
        FloatVector zero = FloatVector.zero(F);
        FloatVector fromQ = zero.blend(logQ.add(one), qFree);
        FloatVector fromP = zero.blend(logP.add(one), pFree);
        fromQ.sub(fromP).intoArray(slope, i, m);
    }
}
