package org.moe4j.experiment;

import org.moe4j.tensor.Rng;

/**
 * The synthetic data of Chen, Deng, Wu, Gu and Li, "Towards Understanding Mixture of Experts in
 * Deep Learning" (NeurIPS 2022), Setting 1, as their released data script builds it. K = 4
 * clusters; cluster k has a feature signal v_k and a cluster-centre signal c_k, the 2K vectors
 * orthonormal in R^d (Gram-Schmidt of Gaussian draws). An example of cluster k (k uniform) with
 * label y (uniform in {-1, +1}) has P = 4 patches of length d = 50, in a random order:
 * <pre>
 *   y * alpha * v_k                  feature signal,      alpha ~ U(0.5, 2)
 *   beta * c_k                       cluster-centre signal, beta ~ U(1, 2)
 *   eps * gamma * v_k'               feature noise, k' uniform among the other clusters, eps = +-1, gamma ~ U(0.5, 3)
 *   xi ~ N(0, I / d)                 Gaussian noise
 * </pre>
 * and every example is scaled by 10. Training and test examples come from one stream (training first).
 *
 * @param x       (N, P * d) the patches of each example, patch-major
 * @param label   (N) 1 for y = +1, 0 for y = -1
 * @param cluster (N) k
 */
public record Chen2022Data(float[] x, int[] label, int[] cluster, int patches, int patchLength, int clusters) {

    public static final int PATCHES = 4;
    public static final int PATCH_LENGTH = 50;
    public static final int CLUSTERS = 4;
    public static final float SCALE = 10f;

    /** Training and test sets from one generator. */
    public record Split(Chen2022Data train, Chen2022Data test, float[][] features, float[][] centres) {}

    public int size() {
        return label.length;
    }

    /** Setting 1 with the paper's sizes: 16,000 training and 16,000 test examples. */
    public static Split setting1(long seed, int trainSize, int testSize) {
        if (trainSize < 1 || testSize < 1) {
            throw new IllegalArgumentException("chen2022 data: " + trainSize + " training and " + testSize
                    + " test examples; both must be >= 1");
        }
        Rng rng = new Rng(seed);
        float[][] directions = orthonormal(2 * CLUSTERS, PATCH_LENGTH, rng);
        float[][] features = new float[CLUSTERS][];
        float[][] centres = new float[CLUSTERS][];
        for (int k = 0; k < CLUSTERS; k++) {
            features[k] = directions[k];
            centres[k] = directions[CLUSTERS + k];
        }
        Chen2022Data train = examples(trainSize, features, centres, rng);
        Chen2022Data test = examples(testSize, features, centres, rng);
        return new Split(train, test, features, centres);
    }

    private static Chen2022Data examples(int n, float[][] features, float[][] centres, Rng rng) {
        int d = PATCH_LENGTH;
        float[] x = new float[n * PATCHES * d];
        int[] label = new int[n];
        int[] cluster = new int[n];
        double noiseStd = 1.0 / Math.sqrt(d);
        float[][] patch = new float[PATCHES][d];
        for (int i = 0; i < n; i++) {
            int y = rng.nextInt(2) == 0 ? -1 : 1;
            int k = rng.nextInt(CLUSTERS);
            int other = rng.nextInt(CLUSTERS - 1);
            if (other >= k) other++;
            int sign = rng.nextInt(2) == 0 ? -1 : 1;
            double alpha = uniform(rng, 0.5, 2);
            double beta = uniform(rng, 1, 2);
            double gamma = uniform(rng, 0.5, 3);
            for (int j = 0; j < d; j++) {
                patch[0][j] = (float) (y * alpha * features[k][j]);
                patch[1][j] = (float) (beta * centres[k][j]);
                patch[2][j] = (float) (sign * gamma * features[other][j]);
                patch[3][j] = (float) (noiseStd * rng.nextGaussian());
            }
            int[] order = permutation(PATCHES, rng);
            for (int p = 0; p < PATCHES; p++) {
                int base = (i * PATCHES + p) * d;
                for (int j = 0; j < d; j++) x[base + j] = SCALE * patch[order[p]][j];
            }
            label[i] = y > 0 ? 1 : 0;
            cluster[i] = k;
        }
        return new Chen2022Data(x, label, cluster, PATCHES, d, CLUSTERS);
    }

    private static double uniform(Rng rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    private static int[] permutation(int n, Rng rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** count orthonormal vectors in R^d: Gaussian draws, each made orthogonal to the ones before and normalised. */
    static float[][] orthonormal(int count, int d, Rng rng) {
        double[][] v = new double[count][d];
        for (int a = 0; a < count; a++) {
            for (int j = 0; j < d; j++) v[a][j] = rng.nextGaussian();
            for (int b = 0; b < a; b++) {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += v[a][j] * v[b][j];
                for (int j = 0; j < d; j++) v[a][j] -= dot * v[b][j];
            }
            double norm = 0;
            for (double q : v[a]) norm += q * q;
            norm = Math.sqrt(norm);
            for (int j = 0; j < d; j++) v[a][j] /= norm;
        }
        float[][] out = new float[count][d];
        for (int a = 0; a < count; a++) {
            for (int j = 0; j < d; j++) out[a][j] = (float) v[a][j];
        }
        return out;
    }

    /** (N, d): the sum of each example's patches (what the router's linear map sees). */
    public float[] patchSums() {
        int n = size();
        int d = patchLength;
        float[] s = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < patches; p++) {
                int base = (i * patches + p) * d;
                for (int j = 0; j < d; j++) s[i * d + j] += x[base + j];
            }
        }
        return s;
    }
}
