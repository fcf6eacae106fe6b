package org.moe4j.conformance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.Variable;
import org.moe4j.fff.FastFeedForward;
import org.moe4j.fff.FastFeedForwardConfig;
import org.moe4j.io.Json;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.tensor.Tensor;

/**
 * Runs a conformance case of kind {@code fff} (experiments/src/test/resources/conformance/README.md): loads the case's
 * inputs into a {@link FastFeedForward}, runs the soft training forward and the hard eval forward
 * with their backward passes, and returns every tensor the case's {@code expected} list names.
 *
 * <p>The peer's eval forward omits the leaf output bias; moe4j's hard path includes it by default,
 * so the eval half runs with {@link FastFeedForwardConfig#hardOutputBias()} switched off (and
 * {@code eval.grad.leaves.w2.bias} is then zero, as the peer's is). Integer tensors
 * ({@code eval.leaf_index}) come back as float tensors holding exact integers; a writer stores them
 * with the dtype the case gives them (I64).
 */
public final class FffConformance {
    private FffConformance() {}

    private static final List<String> PARAMETERS = List.of("node.weight", "node.bias", "leaves.w1.weight",
            "leaves.w1.bias", "leaves.w2.weight", "leaves.w2.bias");

    /** Every expected tensor of the case under its name. */
    public static Map<String, Tensor> run(SafeTensorsFile conformanceCase) {
        String kind = conformanceCase.metadata().get("kind");
        if (!"fff".equals(kind)) {
            throw new IllegalArgumentException("FffConformance: case " + conformanceCase.source() + " is of kind '" + kind
                    + "', expected 'fff'");
        }
        return run((Map<?, ?>) Json.parse(conformanceCase.metadata().get("config")), conformanceCase::floats);
    }

    /** The same from a case's config and a lookup of its input tensors by name. */
    public static Map<String, Tensor> run(Map<?, ?> cfg, Function<String, Tensor> inputs) {
        double entropyCoefficient = number(cfg, "entropy_coef");
        FastFeedForwardConfig config = new FastFeedForwardConfig((int) number(cfg, "input_width"),
                (int) number(cfg, "leaf_width"), (int) number(cfg, "output_width"), (int) number(cfg, "depth"),
                activation(String.valueOf(cfg.get("activation"))), number(cfg, "dropout"), entropyCoefficient, 0,
                Boolean.TRUE.equals(cfg.get("train_hardened")), false, 0);
        FastFeedForward layer = new FastFeedForward(config);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (String name : PARAMETERS) weights.put(name, inputs.apply(name));
        layer.loadStateDict(weights);
        Tensor x = inputs.apply("x");
        Tensor gradOut = inputs.apply("grad_out");

        Map<String, Tensor> result = new LinkedHashMap<>();
        layer.train(true);
        Variable xTrain = Variable.parameter(x.copy(), "x");
        FastFeedForward.SoftOutput soft = layer.soft(xTrain);
        result.put("node_logits", soft.nodeLogits().value());
        result.put("train.out", soft.output().value());
        result.put("train.leaf_mixture", soft.mixture().value());
        result.put("train.entropies", soft.entropies().value());
        Variable trainObjective = Arithmetic.weightedSum(
                new Variable[] {Arithmetic.sum(Arithmetic.mul(soft.output(), Variable.constant(gradOut))),
                        Arithmetic.sum(soft.entropies())},
                new float[] {1f, (float) entropyCoefficient});
        result.put("train.objective", trainObjective.value());
        trainObjective.backward();
        collectGradients("train.", xTrain, layer, result);

        layer.zeroGrad();
        layer.train(false);
        Variable xEval = Variable.parameter(x.copy(), "x");
        int[] leaf = layer.leafIndex(xEval.value().reshape(-1, config.inputWidth()));
        Variable evalOut = layer.hard(xEval);
        result.put("eval.out", evalOut.value());
        Tensor leafIndex = Tensor.zeros(leaf.length);
        for (int t = 0; t < leaf.length; t++) leafIndex.data()[t] = leaf[t];
        result.put("eval.leaf_index", leafIndex);
        Variable evalObjective = Arithmetic.sum(Arithmetic.mul(evalOut, Variable.constant(gradOut)));
        result.put("eval.objective", evalObjective.value());
        evalObjective.backward();
        collectGradients("eval.", xEval, layer, result);
        return result;
    }

    // copies: zeroGrad hands a parameter's gradient storage to the next backward
    private static void collectGradients(String prefix, Variable x, FastFeedForward layer, Map<String, Tensor> result) {
        result.put(prefix + "grad.x", x.grad().copy());
        layer.namedParameters().forEach((name, p) ->
                result.put(prefix + "grad." + name, p.grad() != null ? p.grad().copy() : Tensor.zeros(p.shape())));
    }

    /** The peer's torch.nn class names for the leaf activation. */
    static Activation.Kind activation(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "relu" -> Activation.Kind.RELU;
            case "gelu" -> Activation.Kind.GELU;
            case "silu" -> Activation.Kind.SILU;
            case "sigmoid" -> Activation.Kind.SIGMOID;
            case "softplus" -> Activation.Kind.SOFTPLUS;
            default -> throw new IllegalArgumentException("FffConformance: activation '" + name
                    + "' is not one of ReLU, GELU, SiLU, Sigmoid, Softplus");
        };
    }

    private static double number(Map<?, ?> config, String key) {
        if (!(config.get(key) instanceof Number n)) {
            throw new IllegalArgumentException("FffConformance: config field '" + key + "' is " + config.get(key)
                    + ", expected a number");
        }
        return n.doubleValue();
    }
}
