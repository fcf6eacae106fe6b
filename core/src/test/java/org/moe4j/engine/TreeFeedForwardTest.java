package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Activation;
import org.moe4j.fff.FastFeedForward;
import org.moe4j.fff.FastFeedForwardConfig;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;
import org.moe4j.tensor.WeightMatrix;

/**
 * The engine's hard tree against the training layer's own hard forward ({@code FastFeedForward.hard},
 * grouped GEMMs per leaf): the same leaf for every row (decisions are x . w_n + b_n >= 0 in both, and a
 * logit of exactly zero goes right in both), the same output within float rounding, and each row's
 * result the same bits alone as among others.
 */
class TreeFeedForwardTest {
    private static final int H = 20;
    private static final int DEPTH = 3;
    private static final int LEAF = 12;

    /** The engine block over copies of the layer's weights (each leaf a view of its stacked tensor's rows, as ModelWeights makes them). */
    private static TreeFeedForward engineTree(FastFeedForward fff) {
        int N = (1 << DEPTH) - 1;
        int L = 1 << DEPTH;
        float[] nodeWeight = fff.nodeWeight().value().toArray();
        WeightMatrix[] nodes = new WeightMatrix[N];
        for (int n = 0; n < N; n++) nodes[n] = WeightMatrix.of(Arrays.copyOfRange(nodeWeight, n * H, (n + 1) * H), 1, H);
        WeightMatrix w1 = WeightMatrix.of(fff.w1().value().toArray(), L * LEAF, H);
        WeightMatrix w2 = WeightMatrix.of(fff.w2().value().toArray(), L * H, LEAF);
        float[] b1 = fff.b1().value().toArray();
        float[] b2 = fff.b2().value().toArray();
        WeightMatrix[] leafIn = new WeightMatrix[L];
        WeightMatrix[] leafOut = new WeightMatrix[L];
        float[][] leafInBias = new float[L][];
        float[][] leafOutBias = new float[L][];
        for (int j = 0; j < L; j++) {
            leafIn[j] = w1.rows(j * LEAF, LEAF);
            leafOut[j] = w2.rows(j * H, H);
            leafInBias[j] = Arrays.copyOfRange(b1, j * LEAF, (j + 1) * LEAF);
            leafOutBias[j] = Arrays.copyOfRange(b2, j * H, (j + 1) * H);
        }
        var weights = new ModelWeights.TreeWeights(nodes, fff.nodeBias().value().toArray(), leafIn, leafInBias, leafOut, leafOutBias);
        return new TreeFeedForward(0, H, new ModelConfig.FastFeedForward(DEPTH, LEAF), weights);
    }

    private static FastFeedForward trainingTree() {
        FastFeedForward fff = new FastFeedForward(new FastFeedForwardConfig(H, LEAF, H, DEPTH, Activation.Kind.GELU, 0, 0, 0, false, true, 17));
        fff.train(false);
        // the root's bias exactly 0: a row x = 0 then has a root logit of exactly 0
        fff.nodeBias().value().data()[fff.nodeBias().value().offset()] = 0f;
        return fff;
    }

    @Test
    void leavesAndOutputsMatchTheTrainingLayersHardForward() {
        FastFeedForward fff = trainingTree();
        TreeFeedForward engine = engineTree(fff);
        int T = 40;
        Tensor x = Tensor.zeros(T, H);
        Rng rng = new Rng(3);
        // row 0 stays zero: every node's logit is its bias, the root's exactly 0 (goes right)
        for (int i = H; i < T * H; i++) x.data()[i] = (float) rng.nextGaussian();
        int[] want = fff.leafIndex(x);
        Tensor reference = fff.infer(x);

        int[][] leaves = new int[1][];
        float[] out = new float[T * H];
        engine.forward(x.toArray(), T, out, new ForwardObserver() {
            @Override
            public void routing(int layer, int[] experts, float[] weights, int rows, int k) {
                assertEquals(1, k);
                leaves[0] = Arrays.copyOf(experts, rows);
                for (int t = 0; t < rows; t++) assertEquals(1f, weights[t]);
            }
        }, new Workspace());
        assertArrayEquals(want, leaves[0]);
        assertTrue(want[0] >= (1 << DEPTH) / 2, "a zero logit at the root goes right: leaf " + want[0]);
        assertTrue(Arrays.stream(want).distinct().count() >= 5, "the rows reach most leaves: " + Arrays.toString(want));
        float[] ref = reference.toArray();
        double max = 0;
        for (int i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(out[i] - ref[i]));
        // the same products summed in another order (weight product against grouped GEMM), values of size ~1
        assertTrue(max < 1e-5, "max |engine - training hard forward| = " + max);
    }

    @Test
    void aRowGetsTheSameBitsAloneAsInABatch() {
        TreeFeedForward engine = engineTree(trainingTree());
        int T = 33;
        float[] x = new float[T * H];
        Rng rng = new Rng(9);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        float[] batch = new float[T * H];
        Workspace ws = new Workspace();
        engine.forward(x, T, batch, ForwardObserver.NONE, ws);
        for (int t = 0; t < T; t++) {
            float[] alone = new float[H];
            engine.forward(Arrays.copyOfRange(x, t * H, (t + 1) * H), 1, alone, ForwardObserver.NONE, ws);
            for (int i = 0; i < H; i++) {
                assertEquals(Float.floatToIntBits(batch[t * H + i]), Float.floatToIntBits(alone[i]), "row " + t + ", column " + i);
            }
        }
    }
}
