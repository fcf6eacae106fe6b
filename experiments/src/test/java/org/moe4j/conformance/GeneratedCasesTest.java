package org.moe4j.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.autograd.GradCheck;
import org.moe4j.io.DType;
import org.moe4j.io.Json;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.SafeTensorsWriter;
import org.moe4j.moe.PerTokenMoeAccess;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Mixtral-kind cases the public set does not have (E = 1, every k from 1 to E, T = 1, 2-D and 3-D
 * inputs), written in the case format and run through the whole runner: out, aux_loss and
 * objective against a per-token double-precision reference (README tolerance), grad.x against
 * central finite differences of that reference's objective.
 */
class GeneratedCasesTest {
    private static final double COEF = 0.02;

    @TempDir
    Path dir;

    @Test
    void unseenMixtralShapes() throws Exception {
        int n = 0;
        for (int experts = 1; experts <= 4; experts++) {
            for (int k = 1; k <= experts; k++) {
                run(new int[] {5, 6}, experts, k, n++);
                run(new int[] {2, 3, 6}, experts, k, n++);
            }
        }
        run(new int[] {1, 6}, 3, 2, n++);
        run(new int[] {1, 1, 6}, 1, 1, n);
    }

    private void run(int[] xShape, int experts, int k, int seed) throws Exception {
        int d = xShape[xShape.length - 1];
        int hidden = 5;
        int tokens = Tensor.zeros(xShape).size() / d;
        Rng rng = new Rng(100 + seed);
        Tensor x = GradCheck.randn(rng.nextLong(), xShape);
        Tensor gradOut = GradCheck.randn(rng.nextLong(), xShape);
        Tensor gate = GradCheck.randn(rng.nextLong(), experts, d);
        Tensor w1 = GradCheck.randn(rng.nextLong(), experts, hidden, d);
        Tensor w2 = GradCheck.randn(rng.nextLong(), experts, d, hidden);
        Tensor w3 = GradCheck.randn(rng.nextLong(), experts, hidden, d);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("x", x);
        inputs.put("grad_out", gradOut);
        inputs.put("gate.weight", gate);
        inputs.put("experts.w1.weight", w1);
        inputs.put("experts.w2.weight", w2);
        inputs.put("experts.w3.weight", w3);
        List<String> expected = List.of("out", "expert_index", "aux_loss", "objective", "grad.x");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("top_k(num_experts_per_tok)", k);
        config.put("router_aux_loss_coef", COEF);
        SafeTensorsWriter w = SafeTensors.writer();
        inputs.forEach(w::add);
        w.metadata("case", "generated_" + seed).metadata("kind", "mixtral").metadata("config", Json.write(config))
                .metadata("inputs", Json.write(List.copyOf(inputs.keySet()))).metadata("expected", Json.write(expected));
        Path file = dir.resolve("case" + seed + ".safetensors");
        w.write(file);

        CaseTensors got = ConformanceRunner.withAllKinds().run(file, dir.resolve("result" + seed + ".safetensors"));
        String what = "E=" + experts + " k=" + k + " x" + java.util.Arrays.toString(xShape);
        assertArrayEquals(new int[] {tokens, k}, got.integers().get("expert_index").shape(), what);
        assertArrayEquals(xShape, got.get("out").shape(), what);

        double[] xd = GradCheck.toDouble(x);
        double[] go = GradCheck.toDouble(gradOut);
        PerTokenMoeAccess ref = new PerTokenMoeAccess(tokens, d, experts, hidden, k, GradCheck.toDouble(gate),
                GradCheck.toDouble(w1), GradCheck.toDouble(w3), GradCheck.toDouble(w2));
        double[] out = ref.out(xd);
        float[] outGot = got.get("out").toArray();
        for (int i = 0; i < out.length; i++) within(out[i], outGot[i], what + " out[" + i + "]");
        double aux = ref.mixtralAux(xd);
        within(aux, got.get("aux_loss").item(), what + " aux_loss");
        within(objective(ref, xd, go), got.get("objective").item(), what + " objective");
        float[] gx = got.get("grad.x").toArray();
        for (int i = 0; i < xd.length; i++) {
            double keep = xd[i];
            double h = 1e-6;
            xd[i] = keep + h;
            double up = objective(ref, xd, go);
            xd[i] = keep - h;
            double down = objective(ref, xd, go);
            xd[i] = keep;
            double numeric = (up - down) / (2 * h);
            assertTrue(Math.abs(gx[i] - numeric) <= 2e-4 + 2e-3 * Math.abs(numeric),
                    what + " grad.x[" + i + "] = " + gx[i] + ", finite differences " + numeric);
        }
    }

    private static double objective(PerTokenMoeAccess ref, double[] x, double[] gradOut) {
        double[] out = ref.out(x);
        double s = 0;
        for (int i = 0; i < out.length; i++) s += out[i] * gradOut[i];
        return s + COEF * ref.mixtralAux(x);
    }

    private static void within(double want, float got, String what) {
        assertTrue(Math.abs(got - want) <= 1e-5 + 1e-4 * Math.abs(want), what + ": " + got + " vs reference " + want);
    }

    @Test
    void theWrittenResultHoldsExactlyTheExpectedNames() throws Exception {
        run(new int[] {3, 4}, 2, 1, 99);
        try (SafeTensorsFile f = SafeTensors.open(dir.resolve("result99.safetensors"))) {
            assertEquals(java.util.Set.of("out", "expert_index", "aux_loss", "objective", "grad.x"), f.names());
            assertEquals(DType.I64, f.info("expert_index").dtype());
            assertEquals("generated_99", f.metadata().get("case"));
        }
    }

    /**
     * Shazeer-kind training cases with k = E (no smooth load: every expert is always in, so the
     * load is the token count) and with T = 1: every expected tensor is produced, the load and the
     * noise scale match their formulas.
     */
    @Test
    void unseenShazeerTrainingShapes() throws Exception {
        int[][] shapes = {{4, 1, 1}, {4, 3, 3}, {1, 3, 2}};
        for (int[] s : shapes) {
            int tokens = s[0];
            int experts = s[1];
            int k = s[2];
            int dIn = 5;
            int hidden = 4;
            int dOut = 3;
            Rng rng = new Rng(7 * tokens + experts + k);
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            inputs.put("x", GradCheck.randn(rng.nextLong(), tokens, dIn));
            inputs.put("grad_out", GradCheck.randn(rng.nextLong(), tokens, dOut));
            inputs.put("noise", GradCheck.randn(rng.nextLong(), tokens, experts));
            inputs.put("gate.weight", GradCheck.randn(rng.nextLong(), experts, dIn));
            inputs.put("noise.weight", GradCheck.randn(rng.nextLong(), experts, dIn));
            inputs.put("experts.fc1.weight", GradCheck.randn(rng.nextLong(), experts, hidden, dIn));
            inputs.put("experts.fc1.bias", GradCheck.randn(rng.nextLong(), experts, hidden));
            inputs.put("experts.fc2.weight", GradCheck.randn(rng.nextLong(), experts, dOut, hidden));
            inputs.put("experts.fc2.bias", GradCheck.randn(rng.nextLong(), experts, dOut));
            List<String> expected = List.of("out", "clean_logits", "noise_stddev", "noisy_logits", "gates", "expert_index",
                    "gate_weight", "importance", "load", "cv_importance", "cv_load", "aux_loss", "objective", "grad.x",
                    "grad.gate.weight", "grad.noise.weight", "grad.experts.fc1.weight", "grad.experts.fc1.bias",
                    "grad.experts.fc2.weight", "grad.experts.fc2.bias");
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("top_k", k);
            config.put("noisy_gating", true);
            config.put("training", true);
            config.put("noise_epsilon", 0.01);
            config.put("loss_coef", 0.01);
            SafeTensorsWriter w = SafeTensors.writer();
            inputs.forEach(w::add);
            w.metadata("case", "shazeer_generated").metadata("kind", "shazeer").metadata("config", Json.write(config))
                    .metadata("inputs", Json.write(List.copyOf(inputs.keySet()))).metadata("expected", Json.write(expected));
            Path file = dir.resolve("shazeer.safetensors");
            w.write(file);
            CaseTensors got = ConformanceRunner.withAllKinds().run(ConformanceCase.read(file));
            String what = "T=" + tokens + " E=" + experts + " k=" + k;
            for (String name : expected) assertTrue(got.contains(name), what + " lacks " + name);
            float[] load = got.get("load").toArray();
            if (k == experts) {
                for (float l : load) assertEquals(tokens, l, 0f, what + " load is the token count");
            }
            double[] x = GradCheck.toDouble(inputs.get("x"));
            double[] wn = GradCheck.toDouble(inputs.get("noise.weight"));
            float[] std = got.get("noise_stddev").toArray();
            for (int t = 0; t < tokens; t++) {
                for (int e = 0; e < experts; e++) {
                    double raw = 0;
                    for (int i = 0; i < dIn; i++) raw += wn[e * dIn + i] * x[t * dIn + i];
                    within(Math.log1p(Math.exp(raw)) + 0.01, std[t * experts + e], what + " noise_stddev");
                }
            }
        }
    }
}
