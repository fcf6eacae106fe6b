package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Tensor;

/**
 * The ops whose output array is lent by a {@link ScratchArrays} (RMSNorm, the residual addition, the
 * linear map): the backward gives the array back, the next pass takes it full of the last pass's
 * values and gives the bits of a new array, and a pass without a backward leaves it to the caller.
 */
class ReusedOutputsTest {
    private static final int ROWS = 6, COLS = 20;

    /** Output, then the two inputs' gradients, of f on copies of a and b, backward from a fixed seed. */
    private static Tensor[] run(BiFunction<Variable, Variable, Variable> f, Tensor a, Tensor b) {
        Variable va = Variable.parameter(a.copy());
        Variable vb = Variable.parameter(b.copy());
        Variable out = f.apply(va, vb);
        out.backward(Init.normal(Tensor.zeros(out.value().shape()), new Rng(99), 0, 1));
        return new Tensor[] {out.value(), va.grad(), vb.grad()};
    }

    /** f(scratch) on two different input pairs with one scratch, the second against a new array each. */
    private static void checkReuse(String op, java.util.function.Function<ScratchArrays, BiFunction<Variable, Variable, Variable>> f,
                                   int[] aShape, int[] bShape) {
        ScratchArrays scratch = new ScratchArrays();
        Tensor[] first = run(f.apply(scratch), GradCheck.randn(1, aShape), GradCheck.randn(2, bShape));
        assertEquals(1, scratch.size(), op + ": the backward gives the output's array back");
        Tensor a = GradCheck.randn(3, aShape), b = GradCheck.randn(4, bShape);
        Tensor[] reused = run(f.apply(scratch), a, b);
        assertSame(first[0].data(), reused[0].data(), op + ": the second pass takes the first one's array");
        Tensor[] fresh = run(f.apply(ScratchArrays.NONE), a, b);
        String[] names = {"output", "grad a", "grad b"};
        for (int i = 0; i < names.length; i++) {
            assertArrayEquals(fresh[i].toArray(), reused[i].toArray(), op + ": " + names[i]);
        }
        Variable kept;
        try (var ignored = GradMode.noGrad()) {
            kept = f.apply(scratch).apply(Variable.parameter(a), Variable.parameter(b));
        }
        assertEquals(0, scratch.size(), op + ": a pass without a backward keeps the output it took");
        assertArrayEquals(fresh[0].toArray(), kept.value().toArray(), op + ": output without a backward");
    }

    @Test
    void rmsNormOutputsAreLentAndGiveTheBitsOfNewArrays() {
        checkReuse("rms_norm", s -> (x, w) -> Normalization.rmsNorm(x, w, 1e-5f, s), new int[] {ROWS, COLS}, new int[] {COLS});
    }

    @Test
    void residualAdditionsAreLentAndGiveTheBitsOfNewArrays() {
        checkReuse("add", s -> (x, y) -> Arithmetic.add(x, y, s), new int[] {ROWS, COLS}, new int[] {ROWS, COLS});
    }

    @Test
    void linearOutputsAreLentAndGiveTheBitsOfNewArrays() {
        // 40 rows take the packed GEMM
        checkReuse("linear", s -> (x, w) -> MatMul.linear(x, w, null, s), new int[] {40, COLS}, new int[] {9, COLS});
    }
}
