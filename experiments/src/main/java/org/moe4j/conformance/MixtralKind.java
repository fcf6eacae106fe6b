package org.moe4j.conformance;

import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.Capacity;
import org.moe4j.moe.loss.LoadBalancingLoss;
import org.moe4j.moe.MoeLayer;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.SwiGluExperts;
import org.moe4j.moe.router.TopKGating;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Kind "mixtral": a softmax top-k router (softmax before top-k, renormalised, eps 0), SwiGLU
 * experts, dropless, and the load-balancing loss in Hugging Face Mixtral's normalisation (per
 * token slot over the whole batch) with the case's coefficient.
 */
final class MixtralKind implements CaseKind {
    private static final Map<String, String> WEIGHTS = Map.of(
            "gate.weight", "gate.weight",
            "experts.w1.weight", "experts.w1.weight",
            "experts.w2.weight", "experts.w2.weight",
            "experts.w3.weight", "experts.w3.weight");

    @Override
    public CaseTensors run(ConformanceCase c) {
        CaseTensors out = new CaseTensors();
        forwardBackward(c, false, out);
        forwardBackward(c, true, out);
        return out;
    }

    private void forwardBackward(ConformanceCase c, boolean auxAlone, CaseTensors out) {
        Tensor x = c.inputs().get("x");
        Tensor w1 = c.inputs().get("experts.w1.weight");
        int experts = w1.dim(0);
        int hidden = w1.dim(1);
        int d = w1.dim(2);
        int k = LayerRuns.integer(c, "top_k");
        double coef = c.number("router_aux_loss_coef");
        Rng rng = new Rng(0);
        MoeLayer layer = new MoeLayer(new SoftmaxTopKRouter(d, experts, TopKGating.mixtral(k), 0f, rng),
                new SwiGluExperts(experts, d, hidden, rng), null, Capacity.dropless(),
                new BalancingLosses(coef, LoadBalancingLoss.Form.MIXTRAL, 0, 0, 0), false, rng);
        LayerRuns.load(layer, c, WEIGHTS);
        Variable xv = Variable.parameter(x.copy(), "x");
        MoeLayer.Output r = layer.forward(xv);
        Variable lb = r.lossTerms().get("load_balancing");
        if (auxAlone) {
            lb.backward();
            out.put("grad_aux.x", LayerRuns.gradOrZeros(xv));
            out.put("grad_aux.gate.weight", LayerRuns.gradOrZeros(layer.namedParameters().get("gate.weight")));
            return;
        }
        Variable objective = LayerRuns.objective(r.output(), c.inputs().get("grad_out"), r.auxLoss());
        int tokens = r.routing().tokens();
        out.put("out", r.output().value().copy());
        out.put("router_logits", r.routing().logits().value().copy());
        out.put("routing_probs", r.routing().probs().value().copy());
        out.putIntegers("expert_index", r.routing().expertIndex(), tokens, k);
        out.put("routing_weights", r.routing().gates().value().copy());
        out.put("aux_loss", lb.value().copy());
        out.put("objective", objective.value().copy());
        objective.backward();
        out.put("grad.x", LayerRuns.gradOrZeros(xv));
        LayerRuns.gradients(out, layer, WEIGHTS, "grad.");
    }
}
