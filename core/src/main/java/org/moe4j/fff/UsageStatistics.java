package org.moe4j.fff;

/**
 * How much each node and leaf of a tree has been used: hard counts (inputs that reached it in hard
 * inference) and soft mass (the sum of the leaf weights training gave it). A node's usage is the sum
 * over the leaves below it, since its two children split exactly what reaches it; only leaf totals
 * are stored. Not synchronised: record from one thread at a time.
 */
public final class UsageStatistics {
    private final int depth;
    private final long[] hardLeafCounts;
    private final double[] softLeafMass;

    UsageStatistics(int depth) {
        this.depth = depth;
        this.hardLeafCounts = new long[1 << depth];
        this.softLeafMass = new double[1 << depth];
    }

    void countHard(int leaf) {
        hardLeafCounts[leaf]++;
    }

    void countHard(long[] perLeaf) {
        for (int j = 0; j < perLeaf.length; j++) hardLeafCounts[j] += perLeaf[j];
    }

    // mixture: (T, L)
    void addSoft(float[] mixture, int off, int tokens) {
        int leaves = softLeafMass.length;
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < leaves; j++) softLeafMass[j] += mixture[off + t * leaves + j];
        }
    }

    /** Inputs that reached leaf j in hard inference. */
    public long hardLeafCount(int leaf) {
        return hardLeafCounts[checkLeaf(leaf)];
    }

    /** Inputs that passed node n (heap order) in hard inference. */
    public long hardNodeCount(int node) {
        long sum = 0;
        int[] range = leafRange(node);
        for (int j = range[0]; j < range[1]; j++) sum += hardLeafCounts[j];
        return sum;
    }

    /** The sum over training tokens of leaf j's soft weight. */
    public double softLeafMass(int leaf) {
        return softLeafMass[checkLeaf(leaf)];
    }

    /** The sum over training tokens of the probability of reaching node n. */
    public double softNodeMass(int node) {
        double sum = 0;
        int[] range = leafRange(node);
        for (int j = range[0]; j < range[1]; j++) sum += softLeafMass[j];
        return sum;
    }

    public void reset() {
        java.util.Arrays.fill(hardLeafCounts, 0);
        java.util.Arrays.fill(softLeafMass, 0);
    }

    /** Leaves [first, end) below node n: at level k (nodes 2^k - 1 .. 2^(k+1) - 2), each owns 2^(D-k) leaves. */
    private int[] leafRange(int node) {
        int nodes = (1 << depth) - 1;
        if (node < 0 || node >= nodes) {
            throw new IndexOutOfBoundsException("usage: node " + node + " is out of range [0, " + nodes + ")");
        }
        int level = 31 - Integer.numberOfLeadingZeros(node + 1);
        int span = 1 << (depth - level);
        int first = (node + 1 - (1 << level)) * span;
        return new int[] {first, first + span};
    }

    private int checkLeaf(int leaf) {
        if (leaf < 0 || leaf >= hardLeafCounts.length) {
            throw new IndexOutOfBoundsException("usage: leaf " + leaf + " is out of range [0, " + hardLeafCounts.length + ")");
        }
        return leaf;
    }
}
