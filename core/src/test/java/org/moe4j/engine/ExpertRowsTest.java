package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.kernel.KernelPool;

/**
 * The row-split pieces of an expert dispatch against the plain loops they replace (the grouped loops over
 * experts, on one thread): the same bits on 1 and 2 threads, with batches large enough to split.
 */
class ExpertRowsTest {
    private static final int E = 5, K = 3, H = 40, I = 36;
    private final int threadsBefore = KernelPool.threads();

    @AfterEach
    void restoreThreads() {
        KernelPool.setThreads(threadsBefore);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void gatherActivateAndScatterGiveThePlainLoopsBits(int threads) {
        KernelPool.setThreads(threads);
        Random rnd = new Random(7);
        for (int T : new int[] {1, 3, 48, 200}) {
            int pairs = T * K;
            int[] experts = new int[pairs];
            float[] weights = new float[pairs];
            for (int t = 0; t < T; t++) {
                // k distinct experts per token, in a random order (as a router returns them by score)
                int[] perm = {0, 1, 2, 3, 4};
                for (int i = E - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    int s = perm[i];
                    perm[i] = perm[j];
                    perm[j] = s;
                }
                for (int j = 0; j < K; j++) {
                    experts[t * K + j] = perm[j];
                    weights[t * K + j] = rnd.nextFloat();
                }
            }
            // the counting sort of Experts.dispatch
            int[] first = new int[E + 1];
            for (int e : experts) first[e + 1]++;
            for (int e = 0; e < E; e++) first[e + 1] += first[e];
            int[] fill = java.util.Arrays.copyOf(first, E);
            int[] order = new int[pairs];
            for (int i = 0; i < pairs; i++) order[fill[experts[i]]++] = i;

            float[] x = random(rnd, T * H);
            float[] xe = new float[pairs * H];
            ExpertRows.gather(x, H, K, order, pairs, xe);
            float[] xePlain = new float[pairs * H];
            for (int p = 0; p < pairs; p++) System.arraycopy(x, order[p] / K * H, xePlain, p * H, H);
            assertArrayEquals(xePlain, xe, "gather, T " + T);

            ModelWeights.Mlp[] mlps = new ModelWeights.Mlp[E];
            for (int e = 0; e < E; e++) {
                mlps[e] = new ModelWeights.Mlp(null, null, null, e == 2 ? null : random(rnd, I), random(rnd, I), null);
            }
            float[] g = random(rnd, pairs * I);
            float[] u = random(rnd, pairs * I);
            float[] gPlain = g.clone();
            float[] uPlain = u.clone();
            // experts [1, E) only, as a rank of a group runs its own range
            ExpertRows.activate(mlps, ExpertActivation.SWIGLU, first, 1, E, g, u, I);
            for (int e = 1; e < E; e++) {
                int n = first[e + 1] - first[e];
                Ops.addBias(gPlain, first[e] * I, n, mlps[e].gateBias());
                Ops.addBias(uPlain, first[e] * I, n, mlps[e].upBias());
            }
            // the old grouped code: one activation call over all the experts' rows
            Experts.activate(ExpertActivation.SWIGLU, gPlain, uPlain, first[1] * I, (first[E] - first[1]) * I);
            assertArrayEquals(uPlain, u, "up with its biases, T " + T);
            assertArrayEquals(gPlain, g, "gate with its biases, activated, T " + T);

            float[] ye = random(rnd, pairs * H);
            int[] position = new int[pairs];
            for (int p = 0; p < pairs; p++) position[order[p]] = p;
            float[] out = random(rnd, T * H);
            ExpertRows.scatter(T, H, K, experts, weights, position, ye, out);
            float[] outPlain = new float[T * H];
            for (int e = 0; e < E; e++) {
                for (int p = first[e]; p < first[e + 1]; p++) {
                    int token = order[p] / K;
                    float w = weights[order[p]];
                    for (int i = 0; i < H; i++) outPlain[token * H + i] += w * ye[p * H + i];
                }
            }
            assertArrayEquals(outPlain, out, "scatter, T " + T);
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
