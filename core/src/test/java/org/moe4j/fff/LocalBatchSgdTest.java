package org.moe4j.fff;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/** Rows wait until their accumulated usage reaches the local batch size, then take the mean gradient step. */
class LocalBatchSgdTest {
    @Test
    void aLeafRowMovesOnlyOnceItsUsageReachesTheLocalBatchAndThenByTheMeanGradient() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(3, 2, 2, 2).withSeed(1).withHardTraining(true));
        Tensor x = GradCheck.randn(2, 6, 3);
        int[] leaf = layer.leafIndex(x);
        int busiest = 0;
        long[] count = new long[4];
        for (int j : leaf) count[j]++;
        for (int j = 0; j < 4; j++) if (count[j] > count[busiest]) busiest = j;
        double localBatch = 2.5 * count[busiest];
        LocalBatchSgd opt = new LocalBatchSgd(layer, 0.1, localBatch);
        float[] start = layer.b2().value().toArray();
        float[] gradSum = new float[start.length];
        for (int step = 1; step <= 3; step++) {
            layer.zeroGrad();
            FastFeedForward.SoftOutput s = layer.soft(Variable.constant(x));
            Arithmetic.scale(Arithmetic.sum(s.output()), 1f / 6).backward();
            float[] g = layer.b2().grad().toArray();
            for (int i = 0; i < g.length; i++) gradSum[i] += 6 * g[i];
            opt.step(6);
            float[] now = layer.b2().value().toArray();
            int at = busiest * 2;
            if (step < 3) {
                assertEquals(start[at], now[at], "step " + step + ": usage " + step * count[busiest] + " < " + localBatch);
                assertEquals(step * count[busiest], opt.pendingLeafUsage(busiest), 1e-9);
            } else {
                double usage = 3.0 * count[busiest];
                assertEquals(start[at] - 0.1 * gradSum[at] / usage, now[at], 1e-6, "the mean gradient over the samples served");
                assertEquals(0.0, opt.pendingLeafUsage(busiest), "usage resets after the update");
            }
        }
    }

    @Test
    void badSettingsAreRejected() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(3, 2, 2, 1));
        assertEquals("LocalBatchSgd: localBatchSize is 0.0, must be finite and > 0",
                assertThrows(IllegalArgumentException.class, () -> new LocalBatchSgd(layer, 0.1, 0)).getMessage());
        assertEquals("LocalBatchSgd: learningRate is -1.0, must be finite and > 0",
                assertThrows(IllegalArgumentException.class, () -> new LocalBatchSgd(layer, -1, 4)).getMessage());
    }
}
