package org.moe4j.moe.router;

import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.nn.ParameterKind;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Sigmoid router with a selection-only bias (DeepSeek-V3 technical report, section 2.1.2,
 * auxiliary-loss-free load balancing):
 * <pre>
 *   s = sigmoid(W_g x);  chosen = top-k of (s + b);  g_i = s_i / sum_{j in chosen} s_j (or s_i), times outputScale
 * </pre>
 * The bias b steers the choice only; it never enters the gate weights and gets no gradient. After
 * each step {@link #afterStep} moves it against the load: b_i -= gamma if expert i got more than
 * the mean load, b_i += gamma if less (gamma = 0.001 in the report).
 */
public final class SigmoidBiasRouter extends Module implements Router {
    private final Variable weight;
    private final float[] selectionBias;
    private final int topK;
    private final boolean renormalize;
    private final float outputScale;
    private final float biasUpdateRate;
    private final float jitter;

    public SigmoidBiasRouter(int dModel, int numExperts, int topK, boolean renormalize, float outputScale,
                             float biasUpdateRate, float jitter, Rng rng) {
        MoeChecks.requireExperts(numExperts);
        MoeChecks.requireTopK(topK, numExperts);
        RouterLogits.requireJitter(jitter);
        if (!(biasUpdateRate >= 0f) || Float.isInfinite(biasUpdateRate)) {
            throw new IllegalArgumentException("sigmoid router: biasUpdateRate = " + biasUpdateRate + " must be finite and >= 0");
        }
        if (!Float.isFinite(outputScale) || outputScale <= 0f) {
            throw new IllegalArgumentException("sigmoid router: outputScale = " + outputScale + " must be finite and > 0");
        }
        double bound = 1.0 / Math.sqrt(dModel);
        this.weight = addParameter("weight", Init.uniform(Tensor.zeros(numExperts, dModel), rng, -bound, bound), ParameterKind.ROUTER);
        this.selectionBias = new float[numExperts];
        this.topK = topK;
        this.renormalize = renormalize;
        this.outputScale = outputScale;
        this.biasUpdateRate = biasUpdateRate;
        this.jitter = jitter;
    }

    public Variable weight() {
        return weight;
    }

    /** The selection bias b (a copy). */
    public float[] selectionBias() {
        return selectionBias.clone();
    }

    @Override
    public int numExperts() {
        return selectionBias.length;
    }

    @Override
    public Routing route(Variable x, boolean training, Rng rng) {
        Variable logits = RouterLogits.compute(x, weight, jitter, training, rng);
        Variable scores = Activation.sigmoid(logits);
        int tokens = logits.value().dim(0);
        int[] index = TopKGating.topExperts(scores.value().data(), scores.value().offset(), tokens, numExperts(), topK, selectionBias);
        Variable gates = TopKGating.gatherColumns(scores, index, topK);
        if (renormalize) gates = TopKGating.renormalize(gates, 0f);
        if (outputScale != 1f) gates = Arithmetic.scale(gates, outputScale);
        return Routing.tokenChoice(logits, scores, topK, index, gates, null);
    }

    /** b_i -= gamma * sign(load_i - mean load). */
    @Override
    public void afterStep(int[] tokensPerExpert) {
        if (tokensPerExpert.length != selectionBias.length) {
            throw new IllegalArgumentException("sigmoid router: " + tokensPerExpert.length + " expert loads for "
                    + selectionBias.length + " experts");
        }
        double mean = 0;
        for (int c : tokensPerExpert) mean += c;
        mean /= tokensPerExpert.length;
        for (int e = 0; e < selectionBias.length; e++) {
            if (tokensPerExpert[e] > mean) selectionBias[e] -= biasUpdateRate;
            else if (tokensPerExpert[e] < mean) selectionBias[e] += biasUpdateRate;
        }
    }
}
