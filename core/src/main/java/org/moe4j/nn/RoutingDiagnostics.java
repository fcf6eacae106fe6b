package org.moe4j.nn;

/**
 * What a feed-forward block with experts did in its last forward pass, for the metrics of training
 * and the report: every such block reports at least the load of its experts. The implementations
 * are records ({@code moe.MoeDiagnostics}, {@code moe.hierarchical.HierarchicalMoeLayer.ExpertLoad})
 * whose components, in snake_case and declaration order, are the fields of a layer in
 * metrics.jsonl ({@code train.StepMetrics}).
 */
public interface RoutingDiagnostics {
    /** (token, expert) pairs each expert computed, after capacity. */
    int[] tokensPerExpert();

    /** Coefficient of variation (population std / mean) of {@link #tokensPerExpert}; 0 when nothing was routed. */
    double loadCv();
}
