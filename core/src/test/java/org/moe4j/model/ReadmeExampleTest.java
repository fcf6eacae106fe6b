package org.moe4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.train.Adam;
import org.moe4j.train.ParameterGroups;

/**
 * The README's "As a library" example, as written there (with a small vocabulary and one short
 * sequence): the loop must learn, so a forward, backward or optimiser that is wrong fails here.
 */
@Tag("slow")
class ReadmeExampleTest {
    @Test
    void theLibraryExampleRunsAndLearns() {
        int vocab = 20;
        int[] inputs = new int[128];
        int[] targets = new int[128];
        for (int i = 0; i < 128; i++) {
            inputs[i] = i % vocab;
            targets[i] = (i + 1) % vocab;   // each token's successor: learnable from the input token alone
        }
        double first = Double.NaN;
        double last = Double.NaN;

        var config = TransformerConfig.of(vocab, List.of(MoeSpec.mixtral(8, 2, 384), MoeSpec.mixtral(8, 2, 384)));  // d 256, 4 heads, context 128
        var lm = new TransformerLM(config);
        var optimizer = new Adam(ParameterGroups.standard(lm, 3e-3, 0.1), Adam.Config.adamW());
        for (int step = 0; step < 8; step++) {
            Variable loss = lm.loss(inputs, targets, 128, new AuxiliaryLosses());   // cross-entropy + balancing losses
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            if (step == 0) first = loss.value().item();
            last = loss.value().item();
        }

        assertEquals(Math.log(vocab), first, 0.5, "an untrained model is near uniform");
        assertTrue(last < 0.5 * first, "8 AdamW steps on one repeated sequence must halve the loss: " + first + " -> " + last);
        assertNotNull(lm.namedParameters().get("model.layers.1.block_sparse_moe.gate.weight").grad());
    }
}
