package org.moe4j.moe.loss;

import org.moe4j.moe.router.Routing;

import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * Shazeer's smooth load estimator (Shazeer et al. 2017, appendix A, eq. 8-10): the probability
 * that expert e stays among a token's top k when only e's noise is redrawn,
 * <pre>
 *   P(t, e) = Phi((c_te - thr_te) / sigma_te),   Load_e = sum_t P(t, e)
 *   thr_te = s_t[(k+1)-th]  if h_te > s_t[(k+1)-th]  (e is in: it must stay above the first one out)
 *            s_t[k-th]      otherwise                  (e is out: it must beat the last one in)
 * </pre>
 * with c the clean logits, h the noisy logits, sigma the noise scale, and s the scores the
 * thresholds come from ({@link NoisyTopKRouter.ThresholdSource}). Gradients reach c, sigma and
 * the thresholds (so s), as in the reference code:
 * dP/dc = phi(z)/sigma, dP/dthr = -phi(z)/sigma, dP/dsigma = -phi(z) z / sigma.
 */
public final class SmoothLoad {
    private SmoothLoad() {}

    // clean, noisy, std, source: (T, E)   top: (T, k+1)   load: (E)
    public static Variable apply(Variable clean, Routing.NoisyTerms terms, int topK) {
        if (!terms.hasThresholds()) {
            throw new IllegalArgumentException("smooth load: needs k < E (with k = " + topK + " every expert is always"
                    + " chosen and the load is the token count)");
        }
        Variable std = terms.noiseStd();
        Variable source = terms.thresholdSource();
        Tensor c = clean.value();
        int tokens = c.dim(0);
        int experts = c.dim(1);
        int m = topK + 1;
        int[] top = terms.topKPlusOne();
        float[] cd = c.data();
        float[] hd = terms.noisyLogits().value().data();
        float[] sd = std.value().data();
        float[] src = source.value().data();
        int c0 = c.offset();
        int h0 = terms.noisyLogits().value().offset();
        int s0 = std.value().offset();
        int src0 = source.value().offset();
        double[] z = new double[tokens * experts];
        int[] thresholdColumn = new int[tokens * experts];
        double[] load = new double[experts];
        for (int t = 0; t < tokens; t++) {
            int in = top[t * m + topK];
            int out = top[t * m + topK - 1];
            float thresholdIn = src[src0 + t * experts + in];
            for (int e = 0; e < experts; e++) {
                int i = t * experts + e;
                boolean isIn = hd[h0 + i] > thresholdIn;
                int col = isIn ? in : out;
                thresholdColumn[i] = col;
                z[i] = ((double) cd[c0 + i] - src[src0 + t * experts + col]) / sd[s0 + i];
                load[e] += NormalCdf.cdf(z[i]);
            }
        }
        Tensor loadTensor = Tensor.zeros(experts);
        for (int e = 0; e < experts; e++) loadTensor.data()[e] = (float) load[e];
        return Variable.result("smooth_load", loadTensor, dLoad -> {
            Tensor dClean = Tensor.zeros(tokens, experts);
            Tensor dStd = Tensor.zeros(tokens, experts);
            Tensor dSource = Tensor.zeros(tokens, experts);
            for (int t = 0; t < tokens; t++) {
                for (int e = 0; e < experts; e++) {
                    int i = t * experts + e;
                    double sigma = sd[s0 + i];
                    double g = dLoad.data()[dLoad.offset() + e] * NormalCdf.pdf(z[i]) / sigma;
                    dClean.data()[i] += (float) g;
                    dSource.data()[t * experts + thresholdColumn[i]] -= (float) g;
                    dStd.data()[i] += (float) (-g * z[i]);
                }
            }
            clean.accumulateGrad(dClean);
            std.accumulateGrad(dStd);
            source.accumulateGrad(dSource);
        }, clean, std, source);
    }
}
