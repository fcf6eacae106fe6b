package org.moe4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Variable;
import org.moe4j.io.Json;
import org.moe4j.nn.AuxiliaryLosses;

/** Switch Transformers' router_bias=True in the language model: a learned bias [E] on the router logits. */
class RouterBiasTest {
    static TransformerConfig tinySwitch(boolean bias) {
        return new TransformerConfig(11, 16, 4, 2, 8, 10000.0, 1e-5f,
                List.of(new MoeSpec(4, 1, 12, RouterKind.SWITCH, 0, 0.01, 0.001, 0, bias)), false, 6);
    }

    private static final String BIAS = "model.layers.0.block_sparse_moe.gate.classifier.bias";

    @Test
    void theBiasIsAParameterThatLearnsAndIsSavedInTheConfig() {
        TransformerLM lm = new TransformerLM(tinySwitch(true));
        Variable bias = lm.namedParameters().get(BIAS);
        assertNotNull(bias, lm.namedParameters().keySet().toString());
        assertArrayEquals(new int[] {4}, bias.shape());
        assertEquals(lm.parameterCount(), lm.config().totalParameters());
        assertEquals(new TransformerLM(tinySwitch(false)).parameterCount() + 4, lm.parameterCount());
        assertFalse(new TransformerLM(tinySwitch(false)).namedParameters().containsKey(BIAS));
        lm.loss(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, new int[] {2, 3, 4, 5, 6, 7, 8, 9}, 8, new AuxiliaryLosses()).backward();
        float[] g = bias.grad().toArray();
        double norm = 0;
        for (float v : g) norm += Math.abs(v);
        assertTrue(norm > 0, "the bias gets a gradient");
        assertEquals(tinySwitch(true), TransformerConfig.fromJson(Json.parse(Json.write(tinySwitch(true).toJson()))));
        String described = tinySwitch(true).feedForward().getFirst().describe(16).toString();
        assertTrue(described.contains("router (switch, with bias): 68;"), described);
    }

    @Test
    void theBiasDecidesTheRoute() {
        TransformerLM lm = new TransformerLM(tinySwitch(true));
        int[] ids = {1, 2, 3, 4, 5, 6, 7, 8};
        for (int favoured = 0; favoured < 4; favoured++) {
            Variable bias = lm.namedParameters().get(BIAS);
            float[] b = bias.value().data();
            for (int e = 0; e < 4; e++) b[bias.value().offset() + e] = e == favoured ? 100f : 0f;
            lm.logits(ids, 8, new AuxiliaryLosses());
            int[] perExpert = lm.feedForwardBlocks().getFirst().diagnostics().orElseThrow().tokensPerExpert();
            for (int e = 0; e < 4; e++) {
                assertEquals(e == favoured ? 8 : 0, perExpert[e], "bias favours " + favoured + ": " + java.util.Arrays.toString(perExpert));
            }
        }
    }

    @Test
    void oldConfigsHaveNoBiasAndOtherRoutersRefuseIt() {
        Map<String, Object> json = new MoeSpec(4, 1, 12, RouterKind.SWITCH, 0, 0.01, 0.001, 0).toJson();
        assertFalse(json.containsKey("router_bias"), "written only when set: older run.json files read back unchanged");
        assertFalse(MoeSpec.fromJson(json).routerBias());
        assertEquals(true, new MoeSpec(4, 1, 12, RouterKind.SWITCH, 0, 0.01, 0.001, 0, true).toJson().get("router_bias"));
        var e = assertThrows(IllegalArgumentException.class, () -> new MoeSpec(4, 2, 12, RouterKind.NOISY, 0, 0.01, 0.001, 0, true));
        assertTrue(e.getMessage().contains("router_bias is true for router \"noisy\""), e.getMessage());
    }
}
