package org.moe4j.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.kernel.AdamUpdate;
import org.moe4j.tensor.Tensor;

/**
 * Adam (Kingma and Ba 2015) and AdamW (Loshchilov and Hutter 2019), as PyTorch computes them:
 * <pre>
 *   g  = grad (+ wd * p for Adam's L2 decay)
 *   m  = beta1 * m + (1 - beta1) * g
 *   v  = beta2 * v + (1 - beta2) * g^2
 *   p  = p * (1 - lr * wd)                              (AdamW's decoupled decay only)
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 */
public final class Adam extends Optimizer {
    /** Hyper-parameters, validated. */
    public record Config(double beta1, double beta2, double epsilon, boolean decoupledWeightDecay) {
        public Config {
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("Adam: beta1 is " + beta1 + ", must be in [0, 1)");
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("Adam: beta2 is " + beta2 + ", must be in [0, 1)");
            if (!(epsilon > 0)) throw new IllegalArgumentException("Adam: epsilon is " + epsilon + ", must be > 0");
        }

        public static Config adam() {
            return new Config(0.9, 0.999, 1e-8, false);
        }

        public static Config adamW() {
            return new Config(0.9, 0.999, 1e-8, true);
        }

        public Config withBetas(double b1, double b2) {
            return new Config(b1, b2, epsilon, decoupledWeightDecay);
        }
    }

    private final Config config;
    private final Map<String, Tensor> firstMoment = new LinkedHashMap<>();
    private final Map<String, Tensor> secondMoment = new LinkedHashMap<>();

    public Adam(List<ParameterGroup> groups, Config config) {
        super(groups);
        this.config = config;
    }

    @Override
    protected void update(String name, Tensor param, Tensor grad, double lr, double weightDecay) {
        update(name, param, grad, lr, weightDecay, 1f);
    }

    /** Folds {@code gradScale} into the update (see {@link AdamUpdate}): the gradient is read once and not written. */
    @Override
    protected void update(String name, Tensor param, Tensor grad, double lr, double weightDecay, float gradScale) {
        Tensor mT = firstMoment.computeIfAbsent(name, k -> Tensor.zeros(param.shape()));
        Tensor vT = secondMoment.computeIfAbsent(name, k -> Tensor.zeros(param.shape()));
        float b1 = (float) config.beta1();
        float b2 = (float) config.beta2();
        double t = stepCount();
        float stepSize = (float) (lr / (1 - Math.pow(config.beta1(), t)));
        float invSqrtBias2 = (float) (1 / Math.sqrt(1 - Math.pow(config.beta2(), t)));
        float eps = (float) config.epsilon();
        float decayFactor = config.decoupledWeightDecay() ? (float) (1 - lr * weightDecay) : 1f;
        float l2 = config.decoupledWeightDecay() ? 0f : (float) weightDecay;
        AdamUpdate.apply(new AdamUpdate.Step(b1, b2, stepSize, invSqrtBias2, eps, decayFactor, l2, gradScale),
                param.data(), param.offset(), grad.data(), grad.offset(), mT.data(), vT.data(), param.size());
    }

    @Override
    protected Map<String, Tensor> buffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        firstMoment.forEach((k, t) -> out.put("exp_avg/" + k, t));
        secondMoment.forEach((k, t) -> out.put("exp_avg_sq/" + k, t));
        return out;
    }

    @Override
    protected Tensor createBuffer(String key, int[] shape) {
        int slash = key.indexOf('/');
        String kind = slash < 0 ? key : key.substring(0, slash);
        String param = key.substring(slash + 1);
        parameter(param);
        return switch (kind) {
            case "exp_avg" -> firstMoment.computeIfAbsent(param, k -> Tensor.zeros(shape));
            case "exp_avg_sq" -> secondMoment.computeIfAbsent(param, k -> Tensor.zeros(shape));
            default -> throw new IllegalArgumentException("optimizer state entry '" + key
                    + "' is not an Adam buffer (expected exp_avg/NAME or exp_avg_sq/NAME)");
        };
    }
}
