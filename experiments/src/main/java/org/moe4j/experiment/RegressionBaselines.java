package org.moe4j.experiment;

import java.util.Arrays;
import org.moe4j.hrme.Cholesky;
import org.moe4j.hrme.RegressionData;
import org.moe4j.hrme.SmallMlp;
import org.moe4j.hrme.Standardizer;

/** The Java baselines of the HRME experiment that fit in a few lines: least squares and an MLP. */
final class RegressionBaselines {
    private RegressionBaselines() {}

    /** A fitted regressor. */
    interface Regressor {
        double[] predict(double[][] x);
    }

    /**
     * Ordinary least squares with an intercept, y = b + a . x, from the normal equations (on
     * standardised inputs, which changes nothing but the conditioning).
     */
    static Regressor linear(RegressionData train) {
        Standardizer s = Standardizer.fit(train.x());
        double[][] z = s.apply(train.x());
        int p = z[0].length + 1;
        double[][] a = new double[p][p];
        double[] r = new double[p];
        double[] u = new double[p];
        u[0] = 1;
        for (int i = 0; i < z.length; i++) {
            System.arraycopy(z[i], 0, u, 1, p - 1);
            for (int j = 0; j < p; j++) {
                r[j] += u[j] * train.y()[i];
                for (int k = 0; k <= j; k++) a[j][k] += u[j] * u[k];
            }
        }
        double[] coef = Cholesky.solve(a, r);
        return x -> {
            double[][] zz = s.apply(x);
            double[] out = new double[zz.length];
            for (int i = 0; i < zz.length; i++) {
                double v = coef[0];
                for (int j = 1; j < p; j++) v += coef[j] * zz[i][j - 1];
                out[i] = v;
            }
            return out;
        };
    }

    /** One hidden layer of tanh units trained by Adam on the squared error (standardised inputs and targets). */
    static Regressor mlp(RegressionData train, int hidden, int epochs, double learningRate, long seed) {
        Standardizer s = Standardizer.fit(train.x());
        double[][] z = s.apply(train.x());
        SmallMlp net = new SmallMlp(z[0].length, hidden, SmallMlp.Loss.SQUARED, seed);
        double[] w = new double[z.length];
        Arrays.fill(w, 1);
        net.fit(z, train.y(), w, epochs, learningRate, seed + 1);
        return x -> {
            double[][] zz = s.apply(x);
            double[] out = new double[zz.length];
            for (int i = 0; i < zz.length; i++) out[i] = net.predict(zz[i]);
            return out;
        };
    }
}
