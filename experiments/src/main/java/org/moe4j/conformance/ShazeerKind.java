package org.moe4j.conformance;

import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.Capacity;
import org.moe4j.moe.loss.LoadBalancingLoss;
import org.moe4j.moe.MlpExperts;
import org.moe4j.moe.MoeLayer;
import org.moe4j.moe.router.NoisyTopKRouter;
import org.moe4j.moe.router.Routing;
import org.moe4j.moe.router.TopKGating;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Kind "shazeer" (davidmrau/mixture-of-experts), built from general options: a
 * {@link NoisyTopKRouter} with softmax before top-k and eps-renormalisation (1e-6), smooth-load
 * thresholds taken from the softmax probabilities, the recorded noise replayed; ReLU MLP experts
 * with biases ending in a softmax; dropless; importance and load losses, both with the case's
 * loss_coef.
 */
final class ShazeerKind implements CaseKind {
    static final float RENORM_EPSILON = 1e-6f;

    private static final Map<String, String> WEIGHTS = Map.of(
            "gate.weight", "gate.weight",
            "noise.weight", "gate.noise_weight",
            "experts.fc1.weight", "experts.fc1.weight",
            "experts.fc1.bias", "experts.fc1.bias",
            "experts.fc2.weight", "experts.fc2.weight",
            "experts.fc2.bias", "experts.fc2.bias");

    @Override
    public CaseTensors run(ConformanceCase c) {
        Tensor x = c.inputs().get("x");
        Tensor fc1 = c.inputs().get("experts.fc1.weight");
        Tensor fc2 = c.inputs().get("experts.fc2.weight");
        int experts = fc1.dim(0);
        int hidden = fc1.dim(1);
        int dIn = fc1.dim(2);
        int dOut = fc2.dim(1);
        int k = LayerRuns.integer(c, "top_k");
        boolean training = c.flag("training");
        if (!c.flag("noisy_gating")) {
            throw new IllegalArgumentException("conformance case " + c.name() + ": only noisy_gating = true cases are defined");
        }
        double coef = c.number("loss_coef");
        Rng rng = new Rng(0);
        NoisyTopKRouter router = new NoisyTopKRouter(dIn, experts,
                new TopKGating(k, TopKGating.Order.SOFTMAX_THEN_TOPK, true, RENORM_EPSILON, 1f),
                (float) c.number("noise_epsilon"), NoisyTopKRouter.ThresholdSource.PROBABILITIES);
        MoeLayer layer = new MoeLayer(router,
                new MlpExperts(experts, dIn, hidden, dOut, MlpExperts.Act.RELU, true, true, "fc1", "fc2", rng),
                null, Capacity.dropless(), new BalancingLosses(0, LoadBalancingLoss.Form.SWITCH, coef, coef, 0), false, rng);
        LayerRuns.load(layer, c, WEIGHTS);
        layer.train(training);
        if (training) router.replayNoise(c.inputs().get("noise"));
        Variable xv = Variable.parameter(x.copy(), "x");
        MoeLayer.Output r = layer.forward(xv);
        Variable objective = LayerRuns.objective(r.output(), c.inputs().get("grad_out"), r.auxLoss());

        Routing routing = r.routing();
        int tokens = routing.tokens();
        Tensor gates = routing.gates().value();
        Tensor dense = Tensor.zeros(tokens, experts);
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < k; j++) {
                dense.data()[t * experts + routing.expertIndex()[t * k + j]] = gates.data()[gates.offset() + t * k + j];
            }
        }
        CaseTensors out = new CaseTensors();
        out.put("out", r.output().value().copy());
        out.put("clean_logits", routing.logits().value().copy());
        if (routing.noisy() != null) {
            out.put("noise_stddev", routing.noisy().noiseStd().value().copy());
            out.put("noisy_logits", routing.noisy().noisyLogits().value().copy());
        }
        out.put("gates", dense);
        out.putIntegers("expert_index", routing.expertIndex(), tokens, k);
        out.put("gate_weight", gates.copy());
        out.put("importance", r.lossTerms().get("importance").value().copy());
        out.put("load", r.lossTerms().get("load").value().copy());
        out.put("cv_importance", r.lossTerms().get("cv_importance").value().copy());
        out.put("cv_load", r.lossTerms().get("cv_load").value().copy());
        out.put("aux_loss", r.auxLoss().value().copy());
        out.put("objective", objective.value().copy());
        objective.backward();
        out.put("grad.x", LayerRuns.gradOrZeros(xv));
        LayerRuns.gradients(out, layer, WEIGHTS, "grad.");
        return out;
    }
}
