package org.moe4j.fff;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * The layer end to end against the per-token reference at every depth 0..8, in both modes, with
 * leading dimensions, saturated decisions, hard training, transposition, the single-input path and
 * the usage statistics.
 */
class FastFeedForwardTest {
    private static double[][] weights(FastFeedForward layer, Tensor x) {
        return new double[][] {GradCheck.toDouble(x), GradCheck.toDouble(layer.nodeWeight().value()),
                GradCheck.toDouble(layer.nodeBias().value()), GradCheck.toDouble(layer.w1().value()),
                GradCheck.toDouble(layer.b1().value()), GradCheck.toDouble(layer.w2().value()),
                GradCheck.toDouble(layer.b2().value())};
    }

    private static void assertClose(double[] expected, Tensor got, String what) {
        float[] g = got.toArray();
        assertEquals(expected.length, g.length, what + " size");
        for (int i = 0; i < g.length; i++) {
            assertTrue(Math.abs(g[i] - expected[i]) <= 1e-5 + 1e-4 * Math.abs(expected[i]),
                    what + "[" + i + "] is " + g[i] + ", reference " + expected[i]);
        }
    }

    @Test
    void softAndHardMatchThePerTokenReferenceAtDepthsZeroToEight() {
        for (int depth = 0; depth <= 8; depth++) {
            FastFeedForwardConfig c = FastFeedForwardConfig.of(6, 2, 3, depth).withSeed(depth)
                    .withActivation(Activation.Kind.GELU);
            FastFeedForward layer = new FastFeedForward(c);
            Tensor x = GradCheck.randn(100 + depth, 7, 6);
            FffReference.Dims d = new FffReference.Dims(6, 2, 3, depth);
            double[][] p = weights(layer, x);
            FastFeedForward.SoftOutput soft = layer.soft(Variable.constant(x));
            assertClose(FffReference.soft(p, d, Activation.Kind.GELU), soft.output().value(), "soft out, depth " + depth);
            assertClose(FffReference.mixture(p[0], p[1], p[2], d), soft.mixture().value(), "mixture, depth " + depth);
            layer.train(false);
            assertClose(FffReference.hard(p, d, Activation.Kind.GELU, true), layer.forward(Variable.constant(x)).value(),
                    "hard out, depth " + depth);
            int[] leaf = layer.leafIndex(x);
            for (int t = 0; t < 7; t++) {
                assertEquals(FffReference.hardLeaf(p[0], t, p[1], p[2], d), leaf[t], "leaf of token " + t + ", depth " + depth);
            }
        }
    }

    @Test
    void largeLeafGroupsTakeThePackedGroupedGemmAndAgreeWithTheReference() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(20, 6, 5, 1).withSeed(12)
                .withActivation(Activation.Kind.SILU));
        int tokens = 4 * HardLeaves.PACKED_ROWS_PER_GROUP;
        Tensor x = GradCheck.randn(17, tokens, 20);
        FffReference.Dims d = new FffReference.Dims(20, 6, 5, 1);
        double[][] p = weights(layer, x);
        assertClose(FffReference.hard(p, d, Activation.Kind.SILU, true), layer.infer(x), "hard out, two large groups");
        SingleTokenInference one = layer.singleToken();
        float[] y = new float[5];
        one.infer(x.data(), 3 * 20, y, 0);
        for (int o = 0; o < 5; o++) assertEquals(layer.infer(x).get(3, o), y[o], 1e-5f);
    }

    @Test
    void leadingDimensionsAreKeptAndFlattenedRowMajor() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(5, 3, 4, 3).withSeed(7));
        Tensor x = GradCheck.randn(8, 2, 3, 5);
        Variable xv = Variable.parameter(x.copy());
        Variable y = layer.forward(xv);
        assertArrayEquals(new int[] {2, 3, 4}, y.shape());
        Tensor flat = layer.soft(Variable.constant(x.reshape(6, 5))).output().value();
        assertArrayEquals(flat.toArray(), y.value().toArray());
        y.backward(Tensor.full(1f, 2, 3, 4));
        assertArrayEquals(new int[] {2, 3, 5}, xv.grad().shape());
        layer.train(false);
        Variable h = layer.forward(Variable.constant(x));
        assertArrayEquals(new int[] {2, 3, 4}, h.shape());
        assertArrayEquals(layer.infer(x.reshape(6, 5)).toArray(), h.value().toArray());
    }

    @Test
    void softEqualsHardOnceEveryDecisionSaturates() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(8, 4, 3, 5).withSeed(3));
        Tensor x = GradCheck.randn(9, 40, 8);
        // scaling the node neurons by 1e4 drives every sigmoid to exactly 0 or 1 in float32
        float[] w = layer.nodeWeight().value().data();
        for (int i = 0; i < w.length; i++) w[i] *= 1e4f;
        float[] b = layer.nodeBias().value().data();
        for (int i = 0; i < b.length; i++) b[i] *= 1e4f;
        Tensor soft = layer.soft(Variable.constant(x)).output().value();
        Tensor hard = layer.infer(x);
        float[] s = soft.toArray();
        float[] h = hard.toArray();
        for (int i = 0; i < s.length; i++) assertEquals(h[i], s[i], 1e-5f + 1e-5f * Math.abs(h[i]), "element " + i);
    }

    @Test
    void hardTrainingMixesOnlyTheLeafHardInferenceReaches() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(6, 3, 2, 4).withSeed(5).withHardTraining(true));
        Tensor x = GradCheck.randn(10, 12, 6);
        FastFeedForward.SoftOutput soft = layer.soft(Variable.constant(x));
        int[] leaf = layer.leafIndex(x);
        float[] m = soft.mixture().value().toArray();
        for (int t = 0; t < 12; t++) {
            for (int j = 0; j < 16; j++) assertEquals(j == leaf[t] ? 1f : 0f, m[t * 16 + j], "token " + t + " leaf " + j);
        }
        float[] hard = layer.infer(x).toArray();
        float[] out = soft.output().value().toArray();
        for (int i = 0; i < out.length; i++) assertEquals(hard[i], out[i], 1e-5f, "element " + i);
    }

    @Test
    void transpositionWithProbabilityOneSwapsEveryDecision() {
        FastFeedForwardConfig base = FastFeedForwardConfig.of(4, 1, 1, 3).withSeed(2);
        Tensor x = GradCheck.randn(12, 5, 4);
        FastFeedForward swapped = new FastFeedForward(base.withTranspositionProbability(1));
        float[] mixture = swapped.soft(Variable.constant(x)).mixture().value().toArray();
        // swapping c and 1 - c everywhere is the plain tree with negated node logits: sigmoid(-z) = 1 - sigmoid(z)
        double[] negatedW = GradCheck.toDouble(swapped.nodeWeight().value());
        double[] negatedB = GradCheck.toDouble(swapped.nodeBias().value());
        for (int i = 0; i < negatedW.length; i++) negatedW[i] = -negatedW[i];
        for (int i = 0; i < negatedB.length; i++) negatedB[i] = -negatedB[i];
        double[] expected = FffReference.mixture(GradCheck.toDouble(x), negatedW, negatedB, new FffReference.Dims(4, 1, 1, 3));
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], mixture[i], 1e-6, "element " + i);
        float[] plain = new FastFeedForward(base).soft(Variable.constant(x)).mixture().value().toArray();
        FastFeedForward half = new FastFeedForward(base.withTranspositionProbability(0.5));
        float[] mixed = half.soft(Variable.constant(x)).mixture().value().toArray();
        assertFalse(java.util.Arrays.equals(plain, mixed), "p = 0.5 transposes some decisions");
        half.train(false);
        float[] evalMixture = half.soft(Variable.constant(x)).mixture().value().toArray();
        assertArrayEquals(plain, evalMixture, "no transposition outside training");
    }

    @Test
    void hardeningLossIsTheWeightedSumOfBatchMeanEntropies() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(5, 2, 2, 3).withSeed(4).withHardeningWeight(0.25));
        Tensor x = GradCheck.randn(13, 10, 5);
        FastFeedForward.SoftOutput soft = layer.soft(Variable.constant(x));
        double[] h = FffReference.entropies(GradCheck.toDouble(x), GradCheck.toDouble(layer.nodeWeight().value()),
                GradCheck.toDouble(layer.nodeBias().value()), new FffReference.Dims(5, 2, 2, 3));
        double sum = 0;
        for (double v : h) sum += v;
        assertEquals(0.25 * sum, layer.hardeningLoss().value().item(), 1e-5);
        Variable loss = Arithmetic.add(Arithmetic.sum(soft.output()), layer.hardeningLoss());
        loss.backward();
        assertNotNull(layer.nodeWeight().grad());
    }

    @Test
    void depthZeroIsOnePlainMlpInBothModes() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(3, 4, 2, 0).withSeed(6));
        assertArrayEquals(new int[] {0, 3}, layer.nodeWeight().shape());
        Tensor x = GradCheck.randn(14, 5, 3);
        double[][] p = weights(layer, x);
        FffReference.Dims d = new FffReference.Dims(3, 4, 2, 0);
        double[] expected = FffReference.hard(p, d, Activation.Kind.RELU, true);
        Variable y = layer.forward(Variable.constant(x));
        assertClose(expected, y.value(), "soft depth 0");
        Arithmetic.add(Arithmetic.sum(y), layer.hardeningLoss()).backward();
        assertNotNull(layer.w1().grad());
        assertEquals(0f, layer.hardeningLoss().value().item());
        assertClose(expected, layer.infer(x), "hard depth 0");
    }

    @Test
    void singleInputPathMatchesTheBatchAndAllocatesNothing() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(32, 8, 10, 6).withSeed(8)
                .withActivation(Activation.Kind.SILU));
        Tensor x = GradCheck.randn(15, 20, 32);
        Tensor batch = layer.infer(x);
        int[] leaf = layer.leafIndex(x);
        SingleTokenInference one = layer.singleToken();
        float[] y = new float[10];
        for (int t = 0; t < 20; t++) {
            assertEquals(leaf[t], one.infer(x.data(), t * 32, y, 0));
            for (int o = 0; o < 10; o++) assertEquals(batch.get(t, o), y[o], 1e-5f, "token " + t + " out " + o);
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        // until the JIT has compiled the path (later on a loaded machine), vector operations allocate;
        // the claim is about the compiled path, so measure after warm-up, up to ten times
        long allocated = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 10 && allocated >= 4096; attempt++) {
            for (int i = 0; i < 20_000; i++) one.infer(x.data(), (i % 20) * 32, y, 0);
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 20_000; i++) one.infer(x.data(), (i % 20) * 32, y, 0);
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
        }
        assertTrue(allocated < 4096, "20000 single-input inferences allocated at least " + allocated + " bytes in every attempt");
    }

    @Test
    void usageCountsEveryHardInputOnItsPathAndSoftMassSumsToTheTokens() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(4, 2, 2, 3).withSeed(9));
        Tensor x = GradCheck.randn(16, 50, 4);
        layer.soft(Variable.constant(x));
        assertEquals(50.0, layer.usage().softNodeMass(0), 1e-3);
        assertEquals(layer.usage().softNodeMass(1) + layer.usage().softNodeMass(2), 50.0, 1e-3);
        int[] leaf = layer.leafIndex(x);
        layer.infer(x);
        long[] expected = new long[8];
        for (int j : leaf) expected[j]++;
        for (int j = 0; j < 8; j++) assertEquals(expected[j], layer.usage().hardLeafCount(j), "leaf " + j);
        assertEquals(50, layer.usage().hardNodeCount(0));
        assertEquals(expected[0] + expected[1], layer.usage().hardNodeCount(3));
        assertEquals(expected[4] + expected[5] + expected[6] + expected[7], layer.usage().hardNodeCount(2));
        layer.usage().reset();
        assertEquals(0, layer.usage().hardNodeCount(0));
    }
}
