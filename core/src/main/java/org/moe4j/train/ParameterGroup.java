package org.moe4j.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.autograd.Variable;

/**
 * Parameters that share a learning rate and a weight decay. The schedule's factor multiplies
 * every group's learning rate, so a router group at 10x the base rate stays at 10x.
 */
public record ParameterGroup(String name, Map<String, Variable> parameters, double learningRate, double weightDecay) {
    public ParameterGroup {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("parameter group '" + name + "': learningRate is " + learningRate
                    + ", must be finite and > 0");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("parameter group '" + name + "': weightDecay is " + weightDecay
                    + ", must be finite and >= 0");
        }
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
}
