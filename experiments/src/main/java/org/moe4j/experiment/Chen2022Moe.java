package org.moe4j.experiment;

import java.util.Arrays;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * The MoE of chen2022 as the authors' code runs it: E experts ({@link PatchFilterNetwork}) and a
 * zero-initialised linear top-1 router over the sum of the patches, with fresh uniform noise on
 * every pass:
 * <pre>
 *   h(x) = Theta sum_p x_p                   Theta: (E, d), starts at 0
 *   m = argmax_e (h_e + r_e),  r ~ U(0, 1)^E
 *   g = h_m + r_m                            the gate is the noisy router value itself (no softmax)
 *   o = g * f_m(x),  q = softmax(o)          two class scores
 *   loss = mean_n -log softmax(q)_y          the authors feed the probabilities q to a cross-entropy
 * </pre>
 * Backward, per example: dq_c = (softmax(q)_c - [c = y]) / N, do_c = q_c (dq_c - sum_j q_j dq_j),
 * df_m = g do, dg = &lt;do, f_m&gt;, dTheta_m += dg * sum_p x_p. Experts learn by normalised
 * gradient descent (each expert's step divided by the sum of its weight's and bias's gradient
 * norms, as the authors' NormalizedGD), the router by plain gradient descent.
 */
final class Chen2022Moe {
    private final PatchFilterNetwork[] experts;
    private final float[] router;
    private final float[] routerGrad;
    private final int patchLength;

    Chen2022Moe(int numExperts, int filtersPerClass, int patchLength, boolean cubic, double initScale, Rng rng) {
        if (numExperts < 1) {
            throw new IllegalArgumentException("chen2022 MoE: " + numExperts + " experts, must be >= 1");
        }
        this.experts = new PatchFilterNetwork[numExperts];
        for (int e = 0; e < numExperts; e++) experts[e] = new PatchFilterNetwork(filtersPerClass, patchLength, cubic, initScale, rng);
        this.router = new float[numExperts * patchLength];
        this.routerGrad = new float[numExperts * patchLength];
        this.patchLength = patchLength;
    }

    int numExperts() {
        return experts.length;
    }

    PatchFilterNetwork expert(int e) {
        return experts[e];
    }

    float[] router() {
        return router;
    }

    /**
     * One pass over N examples.
     *
     * @param choice   (N) the expert m of each example
     * @param gate     (N) g
     * @param order    (N) example indices grouped by expert; expert e's are order[start[e] .. start[e+1])
     * @param gathered (N, P, d) the examples in that order
     * @param logits   (N, 2) f_m(x), by example
     * @param scores   (N, 2) q = softmax(g f_m(x)), by example
     */
    record Pass(int[] choice, float[] gate, int[] start, int[] order, float[] gathered, PatchFilterNetwork.Pass[] expert,
                float[] logits, float[] scores) {}

    // sums: (N, d) patch sums of the data
    Pass forward(Chen2022Data data, float[] sums, Rng noise) {
        int n = data.size();
        int e = experts.length;
        int d = patchLength;
        int patches = data.patches();
        float[] h = new float[n * e];
        Gemm.gemm(false, true, n, e, d, 1f, sums, 0, d, router, 0, d, 0f, h, 0, e);
        int[] choice = new int[n];
        float[] gate = new float[n];
        int[] count = new int[e];
        for (int i = 0; i < n; i++) {
            int best = 0;
            float bestValue = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < e; j++) {
                float v = h[i * e + j] + noise.nextFloat();
                if (v > bestValue) {
                    bestValue = v;
                    best = j;
                }
            }
            choice[i] = best;
            gate[i] = bestValue;
            count[best]++;
        }
        int[] start = new int[e + 1];
        for (int j = 0; j < e; j++) start[j + 1] = start[j] + count[j];
        int[] fill = Arrays.copyOf(start, e);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[fill[choice[i]]++] = i;
        int example = patches * d;
        float[] gathered = new float[n * example];
        for (int r = 0; r < n; r++) System.arraycopy(data.x(), order[r] * example, gathered, r * example, example);

        PatchFilterNetwork.Pass[] passes = new PatchFilterNetwork.Pass[e];
        float[] logits = new float[n * 2];
        float[] scores = new float[n * 2];
        for (int j = 0; j < e; j++) {
            passes[j] = experts[j].forward(gathered, start[j] * example, count[j], patches);
            for (int r = 0; r < count[j]; r++) {
                int i = order[start[j] + r];
                float f0 = passes[j].logits()[r * 2];
                float f1 = passes[j].logits()[r * 2 + 1];
                logits[i * 2] = f0;
                logits[i * 2 + 1] = f1;
                double o0 = gate[i] * (double) f0;
                double o1 = gate[i] * (double) f1;
                double max = Math.max(o0, o1);
                double e0 = Math.exp(o0 - max);
                double e1 = Math.exp(o1 - max);
                scores[i * 2] = (float) (e0 / (e0 + e1));
                scores[i * 2 + 1] = (float) (e1 / (e0 + e1));
            }
        }
        return new Pass(choice, gate, start, order, gathered, passes, logits, scores);
    }

    /** The loss of a pass; with {@code backward} also every gradient (replacing the previous ones). */
    double loss(Pass pass, Chen2022Data data, float[] sums, boolean backward) {
        int n = data.size();
        int e = experts.length;
        int d = patchLength;
        double loss = 0;
        float[] dLogits = new float[n * 2];
        float[] dGate = new float[n];
        for (int i = 0; i < n; i++) {
            double q0 = pass.scores()[i * 2];
            double q1 = pass.scores()[i * 2 + 1];
            double lse = Math.max(q0, q1) + Math.log1p(Math.exp(-Math.abs(q0 - q1)));
            int y = data.label()[i];
            loss += lse - (y == 0 ? q0 : q1);
            double s0 = Math.exp(q0 - lse);
            double dq0 = (s0 - (y == 0 ? 1 : 0)) / n;
            double dq1 = (1 - s0 - (y == 1 ? 1 : 0)) / n;
            double mean = q0 * dq0 + q1 * dq1;
            double do0 = q0 * (dq0 - mean);
            double do1 = q1 * (dq1 - mean);
            dLogits[i * 2] = (float) (pass.gate()[i] * do0);
            dLogits[i * 2 + 1] = (float) (pass.gate()[i] * do1);
            dGate[i] = (float) (do0 * pass.logits()[i * 2] + do1 * pass.logits()[i * 2 + 1]);
        }
        if (!backward) return loss / n;
        Arrays.fill(routerGrad, 0f);
        for (int i = 0; i < n; i++) {
            int m = pass.choice()[i];
            for (int j = 0; j < d; j++) routerGrad[m * d + j] += dGate[i] * sums[i * d + j];
        }
        int example = data.patches() * d;
        for (int j = 0; j < e; j++) {
            experts[j].weight().zeroGrad();
            experts[j].bias().zeroGrad();
            int rows = pass.start()[j + 1] - pass.start()[j];
            float[] dExpert = new float[rows * 2];
            for (int r = 0; r < rows; r++) {
                int i = pass.order()[pass.start()[j] + r];
                dExpert[r * 2] = dLogits[i * 2];
                dExpert[r * 2 + 1] = dLogits[i * 2 + 1];
            }
            experts[j].backward(pass.expert()[j], pass.gathered(), pass.start()[j] * example, data.patches(), dExpert);
        }
        return loss / n;
    }

    /** The router's gradient from the last {@link #loss} with backward. */
    float[] routerGrad() {
        return routerGrad;
    }

    /**
     * W_e -= expertLr * dW_e / (||dW_e|| + ||db_e||), likewise b_e, for every expert with a nonzero
     * gradient; Theta -= routerLr * dTheta.
     */
    void step(double expertLr, double routerLr) {
        for (PatchFilterNetwork expert : experts) {
            Tensor dw = expert.weight().grad();
            Tensor db = expert.bias().grad();
            if (dw == null || db == null) continue;
            double norm = norm(dw) + norm(db);
            if (norm == 0) continue;
            float rate = (float) (expertLr / norm);
            axpy(expert.weight().value(), dw, rate);
            axpy(expert.bias().value(), db, rate);
        }
        for (int i = 0; i < router.length; i++) router[i] -= (float) (routerLr * routerGrad[i]);
    }

    private static double norm(Tensor t) {
        double s = 0;
        for (int i = 0; i < t.size(); i++) s += (double) t.at(i) * t.at(i);
        return Math.sqrt(s);
    }

    private static void axpy(Tensor param, Tensor grad, float rate) {
        float[] p = param.data();
        for (int i = 0; i < param.size(); i++) p[param.offset() + i] -= rate * grad.at(i);
    }

    /** Predicted label: argmax of the class scores. */
    static int predict(Pass pass, int example) {
        return pass.scores()[example * 2 + 1] > pass.scores()[example * 2] ? 1 : 0;
    }
}
