package org.moe4j.hrme;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/** The SVM router against the optimality (KKT) conditions of its dual and on a problem a line cannot separate. */
class SvmRouterTest {
    /** Points in the square [-2, 2]^2, left (t = 1) inside the circle of radius 1.2. */
    static double[][] square(int n, Rng rng) {
        double[][] z = new double[n][2];
        for (double[] r : z) {
            r[0] = -2 + 4 * rng.nextDouble();
            r[1] = -2 + 4 * rng.nextDouble();
        }
        return z;
    }

    static double inside(double[] r) {
        return r[0] * r[0] + r[1] * r[1] < 1.44 ? 1 : 0;
    }

    @Test
    void theDualSolutionMeetsTheKktConditions() {
        Rng rng = new Rng(11);
        double[][] z = square(300, rng);
        double[] t = new double[300], w = new double[300];
        for (int i = 0; i < 300; i++) {
            t[i] = rng.nextDouble() < 0.1 ? 1 - inside(z[i]) : inside(z[i]); // 10% flipped labels: some bounded multipliers
            w[i] = 0.5 + rng.nextDouble();
        }
        double c = 2;
        SvmRouter svm = new SvmRouter(2, c, 0);
        svm.fit(z, t, w);
        double[] p = svm.parameters();
        int m = (int) p[0];
        assertTrue(m > 10 && m < 300, "support vectors: " + m);
        // coefficient of row i is alpha_i y_i; match each support vector back to its row
        int bounded = 0, free = 0;
        for (int i = 0; i < 300; i++) {
            double y = t[i] >= 0.5 ? 1 : -1, margin = y * svm.decision(z[i]), alpha = 0;
            for (int k = 0; k < m; k++) {
                if (p[4 + m + 2 * k] == z[i][0] && p[4 + m + 2 * k + 1] == z[i][1]) alpha = Math.abs(p[4 + k]);
            }
            double upper = c * w[i];
            if (alpha == 0) {
                assertTrue(margin >= 1 - 2e-3, "row " + i + ": alpha 0 needs y f >= 1, got " + margin);
            } else if (alpha >= upper - 1e-12) {
                bounded++;
                assertTrue(margin <= 1 + 2e-3, "row " + i + ": alpha at C needs y f <= 1, got " + margin);
            } else {
                free++;
                assertEquals(1, margin, 2e-3, "row " + i + ": a free alpha needs y f = 1");
            }
        }
        assertTrue(bounded > 0 && free > 0, bounded + " bounded, " + free + " free");
    }

    @Test
    void separatesACircleThatALogisticRouterCannot() {
        Rng rng = new Rng(12);
        double[][] z = square(400, rng), test = square(400, rng);
        double[] t = new double[400], w = new double[400];
        Arrays.fill(w, 1);
        for (int i = 0; i < 400; i++) t[i] = inside(z[i]);
        SvmRouter svm = new SvmRouter(2, 10, 0);
        svm.fit(z, t, w);
        LogisticRouter logistic = new LogisticRouter(2, 0);
        logistic.fit(z, t, w);
        int svmRight = 0, logisticRight = 0;
        double confident = 0;
        for (double[] r : test) {
            double p = svm.probabilityLeft(r);
            if ((p >= 0.5) == (inside(r) == 1)) svmRight++;
            if ((logistic.probabilityLeft(r) >= 0.5) == (inside(r) == 1)) logisticRight++;
            if (r[0] * r[0] + r[1] * r[1] < 0.25) confident += p;
        }
        assertTrue(svmRight >= 380, "SVM " + svmRight + " / 400");
        assertTrue(logisticRight < 320, "logistic " + logisticRight + " / 400 (about the share outside the circle)");
        assertTrue(svm.probabilityLeft(new double[] {0, 0}) > 0.9, "Platt probability at the centre");
        assertTrue(svm.probabilityLeft(new double[] {1.9, 1.9}) < 0.1, "Platt probability in a corner");
    }

    @Test
    void hrmeWithSvmRoutersSplitsTwoSegmentsAndSavesItsVariableLengthParameters(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        RegressionData train = HrmeTrainerTest.twoSegments(200, 1);
        HrmeConfig config = HrmeConfig.defaults().withDepth(1).withThresholds(8).withEm(5).withMinGain(0.1)
                .withExperts(RoutingClassifier.Kind.SVM, LeafRegressor.Kind.LINEAR);
        HrmeModel m = HrmeTrainer.train(train, config).model();
        assertEquals(2, m.leafCount(), m.toText());
        double mae = 0;
        double[] p = m.predictHard(train.x());
        for (int i = 0; i < p.length; i++) mae += Math.abs(p[i] - train.y()[i]) / p.length;
        assertTrue(mae < 0.1, "hard MAE " + mae);
        java.nio.file.Path file = dir.resolve("svm.safetensors");
        HrmeFile.save(m, file);
        assertArrayEquals(m.predictSoft(train.x()), HrmeFile.load(file, 1).predictSoft(train.x()), 0);
    }
}
