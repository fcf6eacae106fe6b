package org.moe4j.nn;

import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;

/**
 * The gated feed-forward block of Llama and Mixtral (Shazeer 2020, "GLU Variants Improve
 * Transformer"): y = down(silu(gate(x)) * up(x)), no biases. Hugging Face names the three maps
 * gate_proj, up_proj, down_proj in dense models and w1, w3, w2 in Mixtral's experts; the names are
 * a constructor argument.
 */
public final class SwiGluFeedForward extends FeedForwardBlock {
    private final Linear gate;
    private final Linear up;
    private final Linear down;

    public SwiGluFeedForward(int dModel, int hidden, Rng rng, String gateName, String upName, String downName) {
        this.gate = addModule(gateName, new Linear(dModel, hidden, false, rng));
        this.up = addModule(upName, new Linear(dModel, hidden, false, rng));
        this.down = addModule(downName, new Linear(hidden, dModel, false, rng));
    }

    /** Llama naming: gate_proj, up_proj, down_proj. */
    public SwiGluFeedForward(int dModel, int hidden, Rng rng) {
        this(dModel, hidden, rng, "gate_proj", "up_proj", "down_proj");
    }

    // x: (..., d)   y: (..., d)
    public Variable forward(Variable x) {
        return down.forward(Activation.swiglu(gate.forward(x), up.forward(x)));
    }

    @Override
    public Variable forward(Variable x, AuxiliaryLosses aux) {
        return forward(x);
    }

    public Linear gate() {
        return gate;
    }

    public Linear up() {
        return up;
    }

    public Linear down() {
        return down;
    }
}
