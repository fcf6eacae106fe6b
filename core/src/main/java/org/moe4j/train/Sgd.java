package org.moe4j.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.tensor.Tensor;

/**
 * Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay, as PyTorch:
 * <pre>
 *   g = grad + wd * p
 *   b = g on the first step, else momentum * b + g
 *   d = g + momentum * b (Nesterov) or b
 *   p -= lr * d
 * </pre>
 */
public final class Sgd extends Optimizer {
    private final double momentum;
    private final boolean nesterov;
    private final Map<String, Tensor> velocity = new LinkedHashMap<>();

    public Sgd(List<ParameterGroup> groups, double momentum, boolean nesterov) {
        super(groups);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("Sgd: momentum is " + momentum + ", must be in [0, 1)");
        }
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Sgd: Nesterov momentum needs momentum > 0");
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    protected void update(String name, Tensor param, Tensor grad, double lr, double weightDecay) {
        float[] p = param.data();
        float[] g = grad.data();
        int po = param.offset();
        int go = grad.offset();
        float wd = (float) weightDecay;
        float rate = (float) lr;
        int n = param.size();
        if (momentum == 0) {
            for (int i = 0; i < n; i++) {
                p[po + i] -= rate * (g[go + i] + wd * p[po + i]);
            }
            return;
        }
        boolean first = !velocity.containsKey(name);
        float[] b = velocity.computeIfAbsent(name, k -> Tensor.zeros(param.shape())).data();
        float mu = (float) momentum;
        for (int i = 0; i < n; i++) {
            float gi = g[go + i] + wd * p[po + i];
            float bi = first ? gi : mu * b[i] + gi;
            b[i] = bi;
            p[po + i] -= rate * (nesterov ? gi + mu * bi : bi);
        }
    }

    @Override
    protected Map<String, Tensor> buffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        velocity.forEach((k, t) -> out.put("momentum_buffer/" + k, t));
        return out;
    }

    @Override
    protected Tensor createBuffer(String key, int[] shape) {
        if (!key.startsWith("momentum_buffer/")) {
            throw new IllegalArgumentException("optimizer state entry '" + key + "' is not an SGD buffer (expected momentum_buffer/NAME)");
        }
        String param = key.substring("momentum_buffer/".length());
        parameter(param);
        return velocity.computeIfAbsent(param, k -> Tensor.zeros(shape));
    }
}
