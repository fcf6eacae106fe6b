package org.moe4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.nn.ParameterKind;

/**
 * The usual split of a model's parameters: matrices decay, norms, biases and embeddings do not
 * (as in GPT-2 and nanoGPT), and MoE routers may get a learning rate of their own.
 */
public final class ParameterGroups {
    private ParameterGroups() {}

    /** Decay on weights and routers, none on norms, biases and embeddings; one learning rate. */
    public static List<ParameterGroup> standard(Module model, double learningRate, double weightDecay) {
        return split(model, learningRate, weightDecay, learningRate);
    }

    /** As {@link #standard}, with routers in a group of their own at {@code routerLearningRate}. */
    public static List<ParameterGroup> split(Module model, double learningRate, double weightDecay, double routerLearningRate) {
        Map<String, Variable> decay = new LinkedHashMap<>();
        Map<String, Variable> noDecay = new LinkedHashMap<>();
        Map<String, Variable> router = new LinkedHashMap<>();
        Map<String, ParameterKind> kinds = model.parameterKinds();
        model.namedParameters().forEach((name, v) -> {
            switch (kinds.get(name)) {
                case WEIGHT -> decay.put(name, v);
                case ROUTER -> (routerLearningRate == learningRate ? decay : router).put(name, v);
                case BIAS, NORM, EMBEDDING -> noDecay.put(name, v);
            }
        });
        List<ParameterGroup> groups = new ArrayList<>();
        if (!decay.isEmpty()) groups.add(new ParameterGroup("decay", decay, learningRate, weightDecay));
        if (!noDecay.isEmpty()) groups.add(new ParameterGroup("no_decay", noDecay, learningRate, 0));
        if (!router.isEmpty()) groups.add(new ParameterGroup("router", router, routerLearningRate, weightDecay));
        return groups;
    }
}
