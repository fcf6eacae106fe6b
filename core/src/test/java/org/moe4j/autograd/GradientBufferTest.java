package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Tensor;

/**
 * A leaf's gradient storage is handed from one step to the next by zeroGrad, and an owned
 * gradient takes in a shared one without copying it: both give the bits of fresh storage.
 */
class GradientBufferTest {
    private static Tensor linearWeightGrad(Variable w, Tensor x, Tensor dy) {
        MatMul.linear(Variable.constant(x), w, null).backward(dy);
        return w.grad();
    }

    @Test
    void zeroGradHandsTheStorageToTheNextBackwardWhichOverwritesItAll() {
        Tensor w0 = GradCheck.randn(1, 5, 7);
        Variable reused = Variable.parameter(w0.copy());
        Tensor first = linearWeightGrad(reused, GradCheck.randn(2, 9, 7), GradCheck.randn(3, 9, 5));
        float[] storage = first.data();
        reused.zeroGrad();
        assertNull(reused.grad());
        Tensor x = GradCheck.randn(4, 6, 7);
        Tensor dy = GradCheck.randn(5, 6, 5);
        Tensor second = linearWeightGrad(reused, x, dy);
        assertSame(storage, second.data(), "the second backward writes into the first one's storage");

        Tensor fresh = linearWeightGrad(Variable.parameter(w0.copy()), x, dy);
        assertArrayEquals(fresh.toArray(), second.toArray(), "no value of the first step is left");
    }

    @Test
    void aSecondUseOfTheWeightGetsStorageOfItsOwn() {
        Variable w = Variable.parameter(GradCheck.randn(6, 4, 3));
        linearWeightGrad(w, GradCheck.randn(7, 2, 3), GradCheck.randn(8, 2, 4));
        w.zeroGrad();
        Tensor x = GradCheck.randn(9, 2, 3);
        Tensor dy = GradCheck.randn(10, 2, 4);
        Tensor spare = w.gradientBuffer();
        Tensor other = w.gradientBuffer();
        assertNotSame(spare.data(), other.data(), "the kept storage is handed out once");
        for (float v : other.toArray()) assertEquals(0f, v, "a new buffer is zero");

        Variable fresh = Variable.parameter(w.value().copy());
        linearWeightGrad(w, x, dy);
        linearWeightGrad(w, x, dy);
        linearWeightGrad(fresh, x, dy);
        float[] once = fresh.grad().toArray();
        float[] twice = w.grad().toArray();
        for (int i = 0; i < once.length; i++) assertEquals(once[i] + once[i], twice[i], "element " + i);
    }

    @Test
    void anOwnedGradientTakesInASharedOneWithoutCopyingItAndWithTheSameSums() {
        Variable leaf = Variable.parameter(GradCheck.randn(11, 3, 4));
        Variable y = MatMul.linear(Variable.constant(GradCheck.randn(12, 2, 4)), leaf, null);
        Tensor shared = GradCheck.randn(13, 2, 3);
        float[] sharedBefore = shared.toArray();
        Tensor owned = GradCheck.randn(14, 2, 3);
        float[] ownedBefore = owned.toArray();

        y.retainGrad();
        y.accumulateGrad(shared);
        y.accumulateOwnedGrad(owned);
        assertSame(owned.data(), y.grad().data(), "the owned tensor is adopted");
        assertArrayEquals(sharedBefore, shared.toArray(), "the shared gradient is not written through");
        for (int i = 0; i < ownedBefore.length; i++) {
            assertEquals(Float.floatToIntBits(sharedBefore[i] + ownedBefore[i]), Float.floatToIntBits(y.grad().at(i)), "element " + i);
        }

        // a third gradient is added into the owned one in place
        Tensor third = GradCheck.randn(15, 2, 3);
        y.accumulateOwnedGrad(third);
        assertSame(owned.data(), y.grad().data());
        for (int i = 0; i < ownedBefore.length; i++) {
            assertEquals((sharedBefore[i] + ownedBefore[i]) + third.at(i), y.grad().at(i), "element " + i);
        }
    }

    @Test
    void productsOfOneInputAddTheirGradientsIntoItsOwnTensor() {
        // y = x Wq^T + x Wk^T + x Wv^T, as attention's projections read one normed input
        Tensor xv = GradCheck.randn(16, 37, 24);
        Variable x = Variable.parameter(xv.copy());
        Variable[] w = {Variable.parameter(GradCheck.randn(17, 20, 24)), Variable.parameter(GradCheck.randn(18, 20, 24)),
                Variable.parameter(GradCheck.randn(19, 20, 24))};
        Tensor[] dy = {GradCheck.randn(20, 37, 20), GradCheck.randn(21, 37, 20), GradCheck.randn(22, 37, 20)};
        MatMul.linear(x, w[0], null).backward(dy[0]);
        float[] storage = x.grad().data();
        for (int i = 1; i < 3; i++) MatMul.linear(x, w[i], null).backward(dy[i]);
        assertSame(storage, x.grad().data(), "the second and third products add into the first one's tensor");

        float[] expected = new float[37 * 24];
        for (int i = 0; i < 3; i++) {
            Variable alone = Variable.parameter(xv.copy());
            MatMul.linear(alone, w[i], null).backward(dy[i]);
            for (int j = 0; j < expected.length; j++) expected[j] += alone.grad().at(j);
        }
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], x.grad().at(j), 1e-5 * (1 + Math.abs(expected[j])), "element " + j);
        }
        assertNull(Variable.constant(xv).ownedGrad());
    }
}
