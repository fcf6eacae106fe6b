package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Tensor;

/**
 * The tape gives back the array of an intermediate variable's owned gradient once the variable's
 * creator has run its backward ({@link Variable#gradientArray}), unless the gradient went on to an
 * input or is retained. Lengths are odd ones no other test uses, since the arrays are kept per thread.
 */
class GradientArraysTest {
    /**
     * x -> probe -> owner: owner's backward gives the probe's output an owned gradient of n floats; the
     * probe's backward hands it to x as {@code handOn} says, and returns the array it received.
     */
    private static float[] backwardThroughProbe(int n, Variable x, boolean handOn, boolean retain) {
        float[][] received = new float[1][];
        Variable probe = Variable.result("probe", x.value().copy(), dy -> {
            received[0] = dy.data();
            if (handOn) {
                x.accumulateOwnedGrad(dy);
            } else {
                x.accumulateGrad(dy);
            }
        }, x);
        if (retain) probe.retainGrad();
        Variable owner = Variable.result("owner", Tensor.scalar(0f), dOut -> {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) g[i] = i + 0.5f;
            probe.accumulateOwnedGrad(Tensor.of(g, n));
        }, probe);
        owner.backward();
        return received[0];
    }

    @Test
    void anOwnedGradientGoesBackWhenItsCreatorIsDone() {
        int n = 1237;
        Variable x = Variable.parameter(GradCheck.randn(1, n));
        float[] used = backwardThroughProbe(n, x, false, false);
        assertEquals(1236.5f, x.grad().data()[n - 1], "x got its own copy");
        assertSame(used, Variable.gradientArray(n), "the next gradient of that length takes the array");
        assertNotSame(used, Variable.gradientArray(n), "and only once");
    }

    @Test
    void aGradientHandedOnToAnInputStaysWithIt() {
        int n = 1239;
        Variable x = Variable.parameter(GradCheck.randn(2, n));
        float[] used = backwardThroughProbe(n, x, true, false);
        assertSame(used, x.grad().data(), "x adopted the array");
        assertNotSame(used, Variable.gradientArray(n));
        assertEquals(1238.5f, x.grad().data()[n - 1]);
    }

    @Test
    void aRetainedGradientStays() {
        int n = 1241;
        Variable x = Variable.parameter(GradCheck.randn(3, n));
        float[] used = backwardThroughProbe(n, x, false, true);
        assertNotSame(used, Variable.gradientArray(n));
    }
}
