package org.moe4j.fff;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/** Bad configurations and inputs fail with a message naming the field, the value and the allowed range. */
class FastFeedForwardConfigTest {
    private static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void negativeDepthIsRejected() {
        String m = error(() -> FastFeedForwardConfig.of(4, 2, 3, -1));
        assertEquals("FastFeedForwardConfig: depth is -1, must be >= 0", m);
    }

    @Test
    void leafWidthBelowOneIsRejected() {
        assertEquals("FastFeedForwardConfig: leafWidth is 0, must be >= 1", error(() -> FastFeedForwardConfig.of(4, 0, 3, 2)));
        assertEquals("FastFeedForwardConfig: inputWidth is 0, must be >= 1", error(() -> FastFeedForwardConfig.of(0, 1, 3, 2)));
        assertEquals("FastFeedForwardConfig: outputWidth is -2, must be >= 1", error(() -> FastFeedForwardConfig.of(4, 1, -2, 2)));
    }

    @Test
    void transpositionProbabilityOutsideZeroOneIsRejected() {
        FastFeedForwardConfig c = FastFeedForwardConfig.of(4, 2, 3, 2);
        assertEquals("FastFeedForwardConfig: transpositionProbability is 1.5, must be in [0, 1]",
                error(() -> c.withTranspositionProbability(1.5)));
        assertEquals("FastFeedForwardConfig: transpositionProbability is -0.1, must be in [0, 1]",
                error(() -> c.withTranspositionProbability(-0.1)));
        assertTrue(error(() -> c.withTranspositionProbability(Double.NaN)).contains("NaN"));
        assertEquals(1.0, c.withTranspositionProbability(1).transpositionProbability());
        assertEquals("FastFeedForwardConfig: dropout is 1, must be in [0, 1)", error(() -> c.withDropout(1)));
        assertEquals("FastFeedForwardConfig: hardeningWeight is -1, must be finite and >= 0", error(() -> c.withHardeningWeight(-1)));
    }

    @Test
    void aTreeThatDoesNotFitSaysHowMuchItWouldNeed() {
        String m = error(() -> FastFeedForwardConfig.of(784, 32, 10, 40));
        assertTrue(m.startsWith("FastFeedForward: depth 40 (2^40 leaves of width 32, input 784, output 10) needs "), m);
        assertTrue(m.contains("needs 102.5 PiB"), m);
        assertTrue(m.contains("raise -Xmx"), m);
        String big = error(() -> FastFeedForwardConfig.of(784, 32, 10, 20));
        assertTrue(big.contains("needs 102.5 GiB"), big);
        assertTrue(big.contains("at most 2^31 - 1"), big);
        assertEquals(4.0 * (7 * 17 + 8 * (8 * 17 + 12 * 9)), TreeMemory.parameterBytes(16, 8, 12, 3));
    }

    @Test
    void inputOfTheWrongWidthNamesBothWidths() {
        FastFeedForward layer = new FastFeedForward(FastFeedForwardConfig.of(4, 2, 3, 2));
        String m = error(() -> layer.forward(Variable.constant(Tensor.zeros(5, 3))));
        assertEquals("FastFeedForward: input shape [5, 3] must end in the input width 4", m);
    }
}
