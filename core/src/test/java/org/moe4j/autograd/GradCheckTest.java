package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.moe4j.tensor.Tensor;

/** The gradient checker must catch a wrong backward, or every gradient test is worthless. */
class GradCheckTest {
    private static Variable square(Variable x, float backwardError) {
        Tensor xv = x.value();
        Tensor y = Tensor.zeros(xv.shape());
        for (int i = 0; i < y.size(); i++) y.data()[i] = xv.at(i) * xv.at(i);
        return Variable.result("square", y, dy -> {
            Tensor dx = Tensor.zeros(xv.shape());
            for (int i = 0; i < dx.size(); i++) dx.data()[i] = 2 * xv.at(i) * dy.at(i) * backwardError;
            x.accumulateGrad(dx);
        }, x);
    }

    private static double[] squareRef(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * x[i];
        return y;
    }

    @Test
    void acceptsACorrectBackwardAndRejectsAWrongOne() {
        GradCheck.check("square", v -> square(v[0], 1f), x -> squareRef(x[0]), GradCheck.randn(1, 3, 4));
        var e = assertThrows(AssertionFailedError.class,
                () -> GradCheck.check("square", v -> square(v[0], 1.01f), x -> squareRef(x[0]), GradCheck.randn(1, 3, 4)));
        assertTrue(e.getMessage().contains("finite differences"), e.getMessage());
    }

    @Test
    void backwardReleasesTheTape() {
        Variable x = Variable.parameter(GradCheck.randn(2, 4));
        Variable y = square(x, 1f);
        Variable z = square(y, 1f);
        z.backward(Tensor.full(1f, 4));
        assertTrue(y.isLeaf() && z.isLeaf(), "nodes are dropped once their backward ran");
        assertNull(y.grad(), "an intermediate gradient is freed unless retained");
        assertNotNull(x.grad());
        var e = assertThrows(IllegalStateException.class, () -> Variable.constant(Tensor.zeros(1)).backward());
        assertTrue(e.getMessage().contains("does not depend on anything"), e.getMessage());
    }
}
