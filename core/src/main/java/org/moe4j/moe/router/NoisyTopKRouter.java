package org.moe4j.moe.router;

import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.MatMul;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.nn.ParameterKind;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Noisy top-k gating (Shazeer et al. 2017, "Outrageously Large Neural Networks", eq. 3-5):
 * <pre>
 *   h = W_g x + n * (softplus(W_noise x) + noiseEpsilon),  n ~ N(0, 1) per token and expert, training only
 *   h = W_g x                                              at inference
 * </pre>
 * then the gating of {@link TopKGating} on h (the paper: softmax over the k chosen; the reference
 * code davidmrau/mixture-of-experts: softmax before top-k, renormalised with eps 1e-6). Both
 * weights start at zero as in the paper. The smooth load ({@link SmoothLoad}) compares logits
 * with thresholds taken from the top-(k+1) of {@link ThresholdSource}: the noisy logits h in the
 * paper, the softmax probabilities in the reference code.
 */
public final class NoisyTopKRouter extends Module implements Router {
    /** Where the smooth load's thresholds come from. */
    public enum ThresholdSource { NOISY_LOGITS, PROBABILITIES }

    private final Variable weight;
    private final Variable noiseWeight;
    private final TopKGating gating;
    private final float noiseEpsilon;
    private final ThresholdSource thresholds;
    private Tensor replayedNoise;

    public NoisyTopKRouter(int dModel, int numExperts, TopKGating gating, float noiseEpsilon, ThresholdSource thresholds) {
        MoeChecks.requireExperts(numExperts);
        gating.requireFits(numExperts);
        if (!(noiseEpsilon >= 0f) || Float.isInfinite(noiseEpsilon)) {
            throw new IllegalArgumentException("noisy top-k: noiseEpsilon = " + noiseEpsilon + " must be finite and >= 0");
        }
        this.weight = addParameter("weight", Tensor.zeros(numExperts, dModel), ParameterKind.ROUTER);
        this.noiseWeight = addParameter("noise_weight", Tensor.zeros(numExperts, dModel), ParameterKind.ROUTER);
        this.gating = gating;
        this.noiseEpsilon = noiseEpsilon;
        this.thresholds = thresholds;
    }

    public Variable weight() {
        return weight;
    }

    public Variable noiseWeight() {
        return noiseWeight;
    }

    public TopKGating gating() {
        return gating;
    }

    @Override
    public int numExperts() {
        return weight.value().dim(0);
    }

    /**
     * Makes the next training-mode {@link #route} use these standard-normal draws (T, E) instead of
     * drawing its own: replays a recorded run (conformance cases, tests).
     */
    public void replayNoise(Tensor noise) {
        this.replayedNoise = noise;
    }

    @Override
    public Routing route(Variable x, boolean training, Rng rng) {
        Tensor noise = null;
        if (training && replayedNoise != null) {
            noise = replayedNoise;
            replayedNoise = null;
        } else if (training) {
            noise = Tensor.zeros(x.value().dim(0), numExperts());
            float[] n = noise.data();
            for (int i = 0; i < n.length; i++) n[i] = (float) rng.nextGaussian();
        }
        return route(x, noise);
    }

    /** Routes with the given standard-normal draws (T, E), or without noise when {@code noise} is null. */
    public Routing route(Variable x, Tensor noise) {
        Variable clean = MatMul.linear(x, weight, null);
        RouterLogits.requireFinite("noisy top-k router", clean.value());
        if (noise == null) {
            TopKGating.Gated g = gating.apply(clean);
            return Routing.tokenChoice(clean, g.probs(), gating.topK(), g.expertIndex(), g.gates(), null);
        }
        int[] want = clean.value().shape();
        if (!java.util.Arrays.equals(noise.shape(), want)) {
            throw new IllegalArgumentException("noisy top-k: noise has shape " + Shape.str(noise.shape()) + ", must be "
                    + Shape.str(want) + " (tokens, experts)");
        }
        Variable std = Arithmetic.add(Activation.softplus(MatMul.linear(x, noiseWeight, null)),
                Variable.constant(Tensor.full(noiseEpsilon, want)));
        Variable noisy = Arithmetic.add(clean, Arithmetic.mul(Variable.constant(noise), std));
        TopKGating.Gated g = gating.apply(noisy);
        int e = numExperts();
        int tokens = want[0];
        Variable source = thresholds == ThresholdSource.PROBABILITIES ? g.probs() : noisy;
        // with k = E every expert is always in: there is no (k+1)-th threshold and no smooth load
        int[] top = gating.topK() < e
                ? TopKGating.topExperts(source.value().data(), source.value().offset(), tokens, e, gating.topK() + 1, null)
                : null;
        Routing.NoisyTerms terms = new Routing.NoisyTerms(noisy, std, source, top);
        return Routing.tokenChoice(clean, g.probs(), gating.topK(), g.expertIndex(), g.gates(), terms);
    }
}
