package org.moe4j.moe;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.GradMode;
import org.moe4j.autograd.InferenceMode;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Decoding (InferenceMode) skips the balancing losses, which nothing reads there, but keeps the
 * routing diagnostics the server's metrics report, and agrees with the evaluation path.
 */
class InferenceModeMoeTest {
    @Test
    void inferenceSkipsTheBalancingLossesButKeepsTheOutputAndDiagnostics() {
        Rng rng = new Rng(42);
        MoeLayer moe = new MoeLayer(new SoftmaxTopKRouter(32, 8, TopKGating.mixtral(2), 0f, rng), new SwiGluExperts(8, 32, 48, rng),
                null, new Capacity(0), BalancingLosses.switchDefaults(), true, rng);
        moe.train(false);
        Variable x = Variable.constant(GradCheck.randn(7, 10, 32));
        MoeOutput evaluated;
        try (var scope = GradMode.noGrad()) {
            evaluated = moe.forward(x);
        }
        assertNotNull(evaluated.auxLoss(), "evaluation still computes the losses");
        MoeOutput decoded;
        try (var scope = InferenceMode.enter()) {
            decoded = moe.forward(x);
        }
        assertNull(decoded.auxLoss());
        assertTrue(decoded.lossTerms().isEmpty(), decoded.lossTerms().toString());
        assertArrayEquals(evaluated.diagnostics().tokensPerExpert(), decoded.diagnostics().tokensPerExpert());
        Tensor a = evaluated.output().value(), b = decoded.output().value();
        for (int i = 0; i < a.size(); i++) assertEquals(a.at(i), b.at(i), 1e-5, "element " + i);
    }
}
