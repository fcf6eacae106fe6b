package org.moe4j.conformance;

import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.Capacity;
import org.moe4j.moe.loss.LoadBalancingLoss;
import org.moe4j.moe.MlpExperts;
import org.moe4j.moe.MoeLayer;
import org.moe4j.moe.router.SwitchRouter;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Kind "switch": a {@link SwitchRouter} (top-1, gate = max probability; with a bias when the
 * case says router_bias = true and brings router.bias), ReLU MLP experts without
 * biases, the case's expert capacity per sequence, router z-loss and the load-balancing loss per
 * group, counted as Hugging Face Switch Transformers counts it (argmax of the kept mask, so a
 * dropped token counts for expert 0).
 */
final class SwitchKind implements CaseKind {
    private static final Map<String, String> WEIGHTS = Map.of(
            "router.weight", "gate.classifier.weight",
            "experts.wi.weight", "experts.wi.weight",
            "experts.wo.weight", "experts.wo.weight");
    private static final Map<String, String> WEIGHTS_WITH_BIAS = Map.of(
            "router.weight", "gate.classifier.weight",
            "router.bias", "gate.classifier.bias",
            "experts.wi.weight", "experts.wi.weight",
            "experts.wo.weight", "experts.wo.weight");

    @Override
    public CaseTensors run(ConformanceCase c) {
        Tensor x = c.inputs().get("x");
        Tensor wi = c.inputs().get("experts.wi.weight");
        if (x.rank() != 2 && x.rank() != 3) {
            throw new IllegalArgumentException("conformance case " + c.name() + ": switch input x must be [groups, tokens, d]"
                    + " or [tokens, d] (one group)");
        }
        boolean bias = c.has("router_bias") && c.flag("router_bias");
        if (bias && !c.inputs().contains("router.bias")) {
            throw new IllegalArgumentException("conformance case " + c.name() + ": router_bias = true but the case has no input"
                    + " tensor router.bias [E]");
        }
        Map<String, String> weights = bias ? WEIGHTS_WITH_BIAS : WEIGHTS;
        int experts = wi.dim(0);
        int hidden = wi.dim(1);
        int d = wi.dim(2);
        int groups = x.rank() == 3 ? x.dim(0) : 1;
        int groupTokens = x.rank() == 3 ? x.dim(1) : x.dim(0);
        int[] lead = x.rank() == 3 ? new int[] {groups, groupTokens} : new int[] {groupTokens};
        int slots = LayerRuns.integer(c, "expert_capacity");
        if (!c.text("dense_act_fn").equals("relu")) {
            throw new IllegalArgumentException("conformance case " + c.name() + ": dense_act_fn " + c.text("dense_act_fn")
                    + " is not supported (relu)");
        }
        Rng rng = new Rng(0);
        MoeLayer layer = new MoeLayer(new SwitchRouter(d, experts, 0f, bias, rng),
                new MlpExperts(experts, d, hidden, d, MlpExperts.Act.RELU, false, false, "wi", "wo", rng),
                null, Capacity.forSlots(slots, groupTokens, 1, experts),
                new BalancingLosses(c.number("router_aux_loss_coef"), LoadBalancingLoss.Form.HF_SWITCH, 0, 0,
                        c.number("router_z_loss_coef")), false, rng);
        LayerRuns.load(layer, c, weights);
        Variable xv = Variable.parameter(x.copy(), "x");
        MoeLayer.Output r = layer.forward(xv);
        Variable objective = LayerRuns.objective(r.output(), c.inputs().get("grad_out"), r.auxLoss());

        int tokens = groups * groupTokens;
        int[] top1 = r.routing().expertIndex();
        long[] mask = new long[tokens * experts];
        long[] kept = new long[tokens];
        long[] dropped = new long[tokens];
        for (int t = 0; t < tokens; t++) {
            // one pair per token for top-1, pair t is token t
            if (r.keep()[t]) {
                mask[t * experts + top1[t]] = 1;
                kept[t] = top1[t];
            } else {
                dropped[t] = 1;
            }
        }
        CaseTensors out = new CaseTensors();
        out.put("out", r.output().value().copy());
        out.put("router_logits", r.routing().logits().value().copy().reshape(append(lead, experts)));
        out.put("router_probs", r.routing().probs().value().copy().reshape(append(lead, experts)));
        out.putIntegers("top1_index", top1, lead);
        out.putIntegers("router_mask", mask, append(lead, experts));
        out.putIntegers("expert_index", kept, lead);
        out.putIntegers("dropped", dropped, lead);
        out.put("router_prob_max", r.routing().gates().value().copy().reshape(append(lead, 1)));
        out.put("z_loss", r.lossTerms().get("z_loss").value().copy());
        out.put("aux_loss", r.lossTerms().get("load_balancing").value().copy());
        out.put("objective", objective.value().copy());
        objective.backward();
        out.put("grad.x", LayerRuns.gradOrZeros(xv));
        LayerRuns.gradients(out, layer, weights, "grad.");
        return out;
    }

    private static int[] append(int[] lead, int last) {
        int[] s = java.util.Arrays.copyOf(lead, lead.length + 1);
        s[lead.length] = last;
        return s;
    }
}
