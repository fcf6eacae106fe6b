package org.moe4j.conformance;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moe4j.io.DType;
import org.moe4j.io.Json;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * The fff conformance case (pbelcak/fastfeedforward run by PyTorch): every expected tensor, soft
 * and hard, within |cand - ref| <= 1e-5 + 1e-4 |ref| (check_case.py's default), integers exact.
 */
class FffConformanceTest {
    static Path casePath() throws Exception {
        return Path.of(FffConformanceTest.class.getResource("/conformance/fff_depth3_T32_d16_leaf8_out12.safetensors").toURI());
    }

    @Test
    void everyExpectedTensorMatchesThePeer() throws Exception {
        try (SafeTensorsFile c = SafeTensors.open(casePath())) {
            Map<String, Tensor> got = FffConformance.run(c);
            List<?> expected = (List<?>) Json.parse(c.metadata().get("expected"));
            assertEquals(22, expected.size());
            for (Object o : expected) {
                String name = (String) o;
                Tensor cand = got.get(name);
                assertNotNull(cand, "runner did not produce " + name);
                assertArrayEquals(c.info(name).intShape(), cand.shape(), name + " shape " + Shape.str(cand.shape()));
                if (c.info(name).dtype() == DType.I64) {
                    long[] ref = c.longs(name);
                    for (int i = 0; i < ref.length; i++) {
                        assertEquals(ref[i], (long) cand.at(i), name + "[" + i + "]");
                    }
                } else {
                    float[] ref = c.floats(name).toArray();
                    float[] cv = cand.toArray();
                    for (int i = 0; i < ref.length; i++) {
                        double tol = 1e-5 + 1e-4 * Math.abs(ref[i]);
                        assertTrue(Math.abs(cv[i] - ref[i]) <= tol,
                                name + "[" + i + "] is " + cv[i] + ", peer " + ref[i]);
                    }
                }
            }
        }
    }

    @Test
    void hardGradientsOfNodesAreZeroAndTrainGradientsAreNot() throws Exception {
        try (SafeTensorsFile c = SafeTensors.open(casePath())) {
            Map<String, Tensor> got = FffConformance.run(c);
            for (float v : got.get("eval.grad.node.weight").toArray()) assertEquals(0f, v);
            for (float v : got.get("eval.grad.leaves.w2.bias").toArray()) assertEquals(0f, v);
            double norm = 0;
            for (float v : got.get("train.grad.node.weight").toArray()) norm += Math.abs(v);
            assertTrue(norm > 1e-3, "soft training reaches the node weights, |grad| = " + norm);
        }
    }

    @Test
    void refusesAnotherKind() throws Exception {
        Path mixtral = casePath().resolveSibling("mixtral_moe_B4S4_d16_ffn32_E4_k1.safetensors");
        try (SafeTensorsFile c = SafeTensors.open(mixtral)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FffConformance.run(c));
            assertTrue(e.getMessage().contains("'mixtral'"), e.getMessage());
        }
    }
}
