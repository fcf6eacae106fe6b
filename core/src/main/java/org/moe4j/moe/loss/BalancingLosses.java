package org.moe4j.moe.loss;

/**
 * Which auxiliary losses a MoE layer adds, each with its own coefficient (0 = off), composable:
 * <pre>
 *   aux = loadBalancing * L_switch + importance * CV^2(Importance) + load * CV^2(Load) + zLoss * L_z
 * </pre>
 * L_switch: {@link LoadBalancingLoss} in the given form; Importance: {@link ExpertImportance};
 * Load: {@link SmoothLoad} for a noisy router while training with k &lt; E, else integer counts
 * (no gradient), as Shazeer's reference code does; L_z: {@link RouterZLoss}.
 */
public record BalancingLosses(double loadBalancing, LoadBalancingLoss.Form form, double importance, double load,
                              double zLoss) {

    public BalancingLosses {
        check("loadBalancing", loadBalancing);
        check("importance", importance);
        check("load", load);
        check("zLoss", zLoss);
        if (form == null) form = LoadBalancingLoss.Form.SWITCH;
    }

    private static void check(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("balancing losses: " + name + " coefficient = " + value
                    + " must be finite and >= 0 (0 = off)");
        }
    }

    public static BalancingLosses none() {
        return new BalancingLosses(0, LoadBalancingLoss.Form.SWITCH, 0, 0, 0);
    }

    /** Switch Transformers: load balancing 0.01 and z-loss 0.001 (ST-MoE). */
    public static BalancingLosses switchDefaults() {
        return new BalancingLosses(0.01, LoadBalancingLoss.Form.SWITCH, 0, 0, 0.001);
    }

    /** Shazeer 2017: importance and load, 0.1 each in the paper (0.01 in the reference code). */
    public static BalancingLosses shazeer(double weight) {
        return new BalancingLosses(0, LoadBalancingLoss.Form.SWITCH, weight, weight, 0);
    }

    public boolean any() {
        return loadBalancing > 0 || importance > 0 || load > 0 || zLoss > 0;
    }
}
