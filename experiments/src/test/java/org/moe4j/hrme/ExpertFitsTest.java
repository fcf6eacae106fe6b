package org.moe4j.hrme;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/** The experts' fits against their optimality conditions and finite differences. */
class ExpertFitsTest {
    private static double[][] randomRows(Rng rng, int n, int d) {
        double[][] z = new double[n][d];
        for (double[] r : z) for (int j = 0; j < d; j++) r[j] = rng.nextGaussian();
        return z;
    }

    @Test
    void ridgeSolvesItsWeightedNormalEquations() {
        Rng rng = new Rng(1);
        int n = 200, d = 4;
        double[][] z = randomRows(rng, n, d);
        double[] y = new double[n], w = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = 3 + z[i][0] - 2 * z[i][2] + rng.nextGaussian();
            w[i] = rng.nextDouble();
        }
        double ridge = 0.7;
        double[] c = LinearLeaf.solve(z, y, w, ridge);
        // gradient of sum_i w_i (y_i - b - a.z_i)^2 + ridge |a|^2 must vanish: for b and each a_j
        double[] grad = new double[d + 1];
        for (int i = 0; i < n; i++) {
            double r = y[i] - LogisticRouter.logit(c, z[i]);
            grad[0] += -2 * w[i] * r;
            for (int j = 0; j < d; j++) grad[j + 1] += -2 * w[i] * r * z[i][j];
        }
        for (int j = 0; j < d; j++) grad[j + 1] += 2 * ridge * c[j + 1];
        for (double g : grad) assertEquals(0, g, 1e-9, Arrays.toString(grad));
    }

    @Test
    void linearLeafRecoversANoiselessLineAndIgnoresZeroWeightRows() {
        double[][] z = {{0}, {1}, {2}, {3}, {4}};
        double[] y = {1, 3, 5, 7, 100};
        LinearLeaf leaf = new LinearLeaf(1, 0);
        leaf.fit(z, y, new double[] {1, 1, 1, 1, 0});
        assertArrayEquals(new double[] {1, 2}, leaf.parameters(), 1e-9);
        assertEquals(11, leaf.predict(new double[] {5}), 1e-9);
    }

    @Test
    void logisticFitHasZeroGradientAndRecoversTheGeneratingCoefficients() {
        Rng rng = new Rng(2);
        int n = 20_000, d = 2;
        double[][] z = randomRows(rng, n, d);
        double[] truth = {0.5, 2, -1};
        double[] t = new double[n], w = new double[n];
        Arrays.fill(w, 1);
        for (int i = 0; i < n; i++) t[i] = rng.nextDouble() < LogisticRouter.sigmoid(LogisticRouter.logit(truth, z[i])) ? 1 : 0;
        LogisticRouter r = new LogisticRouter(d, 0);
        r.fit(z, t, w);
        double[] c = r.parameters();
        assertArrayEquals(truth, c, 0.08, Arrays.toString(c));
        // the objective is maximal: central differences of J in every coordinate are ~0
        for (int k = 0; k < c.length; k++) {
            double h = 1e-5;
            double[] up = c.clone(), down = c.clone();
            up[k] += h;
            down[k] -= h;
            double g = (LogisticRouter.objective(up, z, t, w, 0) - LogisticRouter.objective(down, z, t, w, 0)) / (2 * h);
            assertEquals(0, g / n, 1e-6, "coordinate " + k);
        }
    }

    @Test
    void logisticFitsSoftTargetsAndWeights() {
        // one constant input: the maximiser of sum_i w_i [t_i log p + (1 - t_i) log(1 - p)] is p = weighted mean of t
        double[][] z = {{0}, {0}, {0}};
        double[] t = {0.2, 0.9, 1};
        double[] w = {1, 2, 1};
        LogisticRouter r = new LogisticRouter(1, 0);
        r.fit(z, t, w);
        assertEquals((0.2 + 1.8 + 1) / 4, r.probabilityLeft(new double[] {0}), 1e-8);
    }

    @Test
    void mlpGradientMatchesCentralDifferences() {
        Rng rng = new Rng(3);
        for (SmallMlp.Loss loss : SmallMlp.Loss.values()) {
            SmallMlp net = new SmallMlp(3, 5, loss, 4);
            double[][] z = randomRows(rng, 7, 3);
            double[] t = new double[7], w = new double[7];
            for (int i = 0; i < 7; i++) {
                t[i] = loss == SmallMlp.Loss.SQUARED ? rng.nextGaussian() : rng.nextDouble();
                w[i] = 0.5 + rng.nextDouble();
            }
            net.theta[net.theta.length - 2] = 0.3; // target mean and scale of the SQUARED loss
            net.theta[net.theta.length - 1] = 1.7;
            double[] grad = new double[net.theta.length];
            net.lossAndGradient(z, t, w, grad);
            double[] scratch = new double[net.theta.length];
            for (int k = 0; k < net.theta.length - 2; k++) {
                double h = 1e-6, keep = net.theta[k];
                net.theta[k] = keep + h;
                double up = net.lossAndGradient(z, t, w, scratch);
                net.theta[k] = keep - h;
                double down = net.lossAndGradient(z, t, w, scratch);
                net.theta[k] = keep;
                assertEquals((up - down) / (2 * h), grad[k], 1e-7, loss + " parameter " + k);
            }
        }
    }

    @Test
    void mlpLearnsASineThatALineCannot() {
        Rng rng = new Rng(5);
        int n = 400;
        double[][] z = new double[n][1];
        double[] y = new double[n], w = new double[n];
        Arrays.fill(w, 1);
        for (int i = 0; i < n; i++) {
            z[i][0] = -2 + 4 * rng.nextDouble();
            y[i] = 5 + 3 * Math.sin(2 * z[i][0]);
        }
        SmallMlp net = new SmallMlp(1, 16, SmallMlp.Loss.SQUARED, 6);
        net.fit(z, y, w, 300, 0.01, 7);
        double se = 0;
        for (int i = 0; i < n; i++) se += Math.pow(net.predict(z[i]) - y[i], 2);
        // a straight line leaves an RMSE near 1.6 here (the sine's variance is 4.5, the line explains about half)
        assertTrue(Math.sqrt(se / n) < 0.2, "MLP RMSE " + Math.sqrt(se / n));
    }

    @Test
    void choleskyRefusesAnIndefiniteSystem() {
        var e = assertThrows(IllegalStateException.class, () -> Cholesky.solve(new double[][] {{-1, 0}, {0, -1}}, new double[2]));
        assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
    }
}
