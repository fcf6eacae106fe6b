package org.moe4j.fff;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * A local optimiser against the shrinking batch problem of fast feedforward training (Belcak and
 * Wattenhofer 2023, section 3: with 2^D leaves a leaf sees about B / 2^D of a batch of B samples,
 * so its gradient estimate gets noisier as the tree deepens). Every parameter row belongs to one
 * node or leaf (node.weight[n], node.bias[n], leaves.*[j]); its gradients and its usage (the samples
 * routed to it, the soft mass of the step's leaf mixture, a node's usage being the sum over its
 * leaves) accumulate across steps, and the row is updated by plain SGD only once its accumulated
 * usage reaches the local batch size:
 * <pre>
 *   G_r += s grad_r,  U_r += usage_r;   if U_r >= localBatchSize: p_r -= lr G_r / U_r, G_r = U_r = 0
 * </pre>
 * where s (the loss scale) turns the gradient of a batch-mean loss into a sum over samples (s = B),
 * so G_r / U_r is the mean gradient over the samples the row actually served.
 */
public final class LocalBatchSgd {
    private final FastFeedForward layer;
    private final double learningRate;
    private final double localBatchSize;
    private final List<RowParameter> parameters = new ArrayList<>();
    private final double[] leafUsage;
    private final double[] nodeUsage;
    // the layer's soft leaf mass at the previous step: the difference is this step's usage
    private final double[] seenLeafMass;

    /** A parameter whose leading axis indexes nodes or leaves, with its gradient accumulator. */
    private record RowParameter(Variable variable, boolean perNode, float[] gradientSum) {}

    public LocalBatchSgd(FastFeedForward layer, double learningRate, double localBatchSize) {
        if (!(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("LocalBatchSgd: learningRate is " + learningRate + ", must be finite and > 0");
        }
        if (!(localBatchSize > 0 && Double.isFinite(localBatchSize))) {
            throw new IllegalArgumentException("LocalBatchSgd: localBatchSize is " + localBatchSize + ", must be finite and > 0");
        }
        this.layer = layer;
        this.learningRate = learningRate;
        this.localBatchSize = localBatchSize;
        for (Variable v : List.of(layer.nodeWeight(), layer.nodeBias())) {
            parameters.add(new RowParameter(v, true, new float[v.value().size()]));
        }
        for (Variable v : List.of(layer.w1(), layer.b1(), layer.w2(), layer.b2())) {
            parameters.add(new RowParameter(v, false, new float[v.value().size()]));
        }
        this.leafUsage = new double[layer.config().leaves()];
        this.nodeUsage = new double[layer.config().nodes()];
        this.seenLeafMass = new double[layer.config().leaves()];
        for (int j = 0; j < seenLeafMass.length; j++) seenLeafMass[j] = layer.usage().softLeafMass(j);
    }

    /**
     * Accumulates this step's gradients (already computed by backward) and usage (the soft leaf
     * mass the layer's soft forward passes added to its {@link UsageStatistics} since the previous
     * step), then updates the rows whose usage reached the local batch size. Returns how many leaf
     * rows were updated.
     */
    public int step(double lossScale) {
        int leaves = layer.config().leaves();
        double[] stepLeaf = new double[leaves];
        for (int j = 0; j < leaves; j++) {
            double mass = layer.usage().softLeafMass(j);
            stepLeaf[j] = mass - seenLeafMass[j];
            seenLeafMass[j] = mass;
        }
        for (int j = 0; j < leaves; j++) leafUsage[j] += stepLeaf[j];
        for (int n = 0; n < nodeUsage.length; n++) nodeUsage[n] += subtreeSum(stepLeaf, n);
        float scale = (float) lossScale;
        for (RowParameter p : parameters) {
            Tensor g = p.variable().grad();
            if (g == null) continue;
            float[] gd = g.data();
            for (int i = 0; i < p.gradientSum().length; i++) p.gradientSum()[i] += scale * gd[g.offset() + i];
        }
        int updated = 0;
        for (int j = 0; j < leaves; j++) {
            if (leafUsage[j] >= localBatchSize) {
                applyRow(false, j, leafUsage[j]);
                leafUsage[j] = 0;
                updated++;
            }
        }
        for (int n = 0; n < nodeUsage.length; n++) {
            if (nodeUsage[n] >= localBatchSize) {
                applyRow(true, n, nodeUsage[n]);
                nodeUsage[n] = 0;
            }
        }
        return updated;
    }

    /** The usage row r has accumulated since its last update. */
    public double pendingLeafUsage(int leaf) {
        return leafUsage[leaf];
    }

    private void applyRow(boolean perNode, int row, double usage) {
        float rate = (float) (learningRate / usage);
        for (RowParameter p : parameters) {
            if (p.perNode() != perNode) continue;
            Tensor value = p.variable().value();
            int rowSize = value.size() / value.dim(0);
            float[] v = value.data();
            float[] sum = p.gradientSum();
            for (int i = row * rowSize, end = i + rowSize; i < end; i++) {
                v[value.offset() + i] -= rate * sum[i];
                sum[i] = 0f;
            }
        }
    }

    /** Leaves below node n sum its usage: at level k a node owns 2^(D-k) consecutive leaves. */
    private double subtreeSum(double[] perLeaf, int node) {
        int depth = layer.config().depth();
        int level = 31 - Integer.numberOfLeadingZeros(node + 1);
        int span = 1 << (depth - level);
        int first = (node + 1 - (1 << level)) * span;
        double s = 0;
        for (int j = first; j < first + span; j++) s += perLeaf[j];
        return s;
    }
}
