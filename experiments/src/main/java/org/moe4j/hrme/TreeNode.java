package org.moe4j.hrme;

/**
 * One node of an HRME tree: a leaf (a regressor and its Gaussian noise variance) or a split (a
 * router, the growth threshold on y it was first trained for, and two children). Growth turns a
 * leaf into a split in place; EM refits routers, leaves and variances in place.
 */
final class TreeNode {
    final int depth;
    // leaf
    LeafRegressor leaf;
    double variance;
    // split
    RoutingClassifier router;
    double threshold;
    TreeNode left, right;
    /** Training rows the node held when it was grown (y in its interval). */
    int grownRows;

    TreeNode(int depth, LeafRegressor leaf, double variance, int grownRows) {
        this.depth = depth;
        this.leaf = leaf;
        this.variance = variance;
        this.grownRows = grownRows;
    }

    boolean isLeaf() {
        return router == null;
    }

    void split(RoutingClassifier router, double threshold, TreeNode left, TreeNode right) {
        this.router = router;
        this.threshold = threshold;
        this.left = left;
        this.right = right;
        this.leaf = null;
        this.variance = Double.NaN;
    }

    TreeNode copy() {
        TreeNode c = new TreeNode(depth, leaf == null ? null : leaf.copy(), variance, grownRows);
        if (!isLeaf()) c.split(router.copy(), threshold, left.copy(), right.copy());
        return c;
    }

    int leaves() {
        return isLeaf() ? 1 : left.leaves() + right.leaves();
    }

    int height() {
        return isLeaf() ? 0 : 1 + Math.max(left.height(), right.height());
    }
}
