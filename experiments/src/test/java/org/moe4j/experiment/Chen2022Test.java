package org.moe4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * The pieces of the chen2022 experiment: the data follows the paper's model exactly (one patch
 * of each kind, coefficients in their ranges, Gaussian noise of the right scale, balanced labels
 * and clusters), the expert CNN agrees with its scalar reference and with finite differences, the
 * MoE's hand-written backward agrees with finite differences, the dispatch entropy has its
 * extremes, and a short MoE run learns.
 */
class Chen2022Test {
    private static final int D = Chen2022Data.PATCH_LENGTH;
    private static final int P = Chen2022Data.PATCHES;

    private static double dot(float[] x, int off, float[] v) {
        double s = 0;
        for (int j = 0; j < D; j++) s += (double) x[off + j] * v[j];
        return s;
    }

    private static double norm2(float[] x, int off) {
        double s = 0;
        for (int j = 0; j < D; j++) s += (double) x[off + j] * x[off + j];
        return s;
    }

    @Test
    void everyExampleHasOnePatchOfEachKindAsThePaperDefines() {
        Chen2022Data.Split split = Chen2022Data.setting1(7, 4000, 10);
        float[][] v = split.features();
        float[][] c = split.centres();
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                assertEquals(a == b ? 1 : 0, dot(v[a], 0, v[b]), 1e-5);
                assertEquals(0, dot(v[a], 0, c[b]), 1e-5);
                assertEquals(a == b ? 1 : 0, dot(c[a], 0, c[b]), 1e-5);
            }
        }
        Chen2022Data data = split.train();
        int positives = 0;
        int[] perCluster = new int[4];
        double noiseNorm2 = 0;
        int[] firstPatch = new int[P];
        for (int i = 0; i < data.size(); i++) {
            int k = data.cluster()[i];
            int y = data.label()[i] == 1 ? 1 : -1;
            positives += data.label()[i];
            perCluster[k]++;
            int signal = 0, centre = 0, featureNoise = 0, noise = 0;
            for (int p = 0; p < P; p++) {
                int off = (i * P + p) * D;
                double n2 = norm2(data.x(), off);
                double onFeature = dot(data.x(), off, v[k]);
                double onCentre = dot(data.x(), off, c[k]);
                double onOther = 0;
                for (int o = 0; o < 4; o++) if (o != k) onOther += Math.abs(dot(data.x(), off, v[o]));
                if (Math.abs(onFeature * onFeature - n2) < 1e-3 * n2 && n2 > 1) {
                    double alpha = y * onFeature / Chen2022Data.SCALE;
                    assertTrue(alpha >= 0.5 && alpha <= 2, "alpha " + alpha);
                    signal++;
                    if (p == 0) firstPatch[0]++;
                } else if (Math.abs(onCentre * onCentre - n2) < 1e-3 * n2 && n2 > 1) {
                    double beta = onCentre / Chen2022Data.SCALE;
                    assertTrue(beta >= 1 && beta <= 2, "beta " + beta);
                    centre++;
                    if (p == 0) firstPatch[1]++;
                } else if (Math.abs(onOther * onOther - n2) < 1e-3 * n2 && n2 > 1) {
                    double gamma = onOther / Chen2022Data.SCALE;
                    assertTrue(gamma >= 0.5 && gamma <= 3, "gamma " + gamma);
                    featureNoise++;
                    if (p == 0) firstPatch[2]++;
                } else {
                    noiseNorm2 += n2;
                    noise++;
                    if (p == 0) firstPatch[3]++;
                }
            }
            assertEquals(List.of(1, 1, 1, 1), List.of(signal, centre, featureNoise, noise), "example " + i);
        }
        int n = data.size();
        // xi ~ N(0, I/d) scaled by 10: E||10 xi||^2 = 100
        assertEquals(100, noiseNorm2 / n, 2.0);
        assertEquals(0.5, positives / (double) n, 0.03);
        for (int k = 0; k < 4; k++) assertEquals(0.25, perCluster[k] / (double) n, 0.03);
        for (int kind = 0; kind < P; kind++) assertEquals(0.25, firstPatch[kind] / (double) n, 0.03, "patches are shuffled");
    }

    @Test
    void patchFiltersAgreeWithTheScalarReferenceAndFiniteDifferences() {
        for (boolean cubic : new boolean[] {false, true}) {
            Chen2022Data data = Chen2022Data.setting1(3, 6, 1).train();
            PatchFilterNetwork net = new PatchFilterNetwork(3, D, cubic, 3.0, new Rng(4));
            PatchFilterNetwork.Pass pass = net.forward(data.x(), 0, data.size(), P);
            for (int i = 0; i < data.size(); i++) {
                double[] ref = net.logitsReference(data.x(), i, P);
                for (int c = 0; c < 2; c++) {
                    assertEquals(ref[c], pass.logits()[i * 2 + c], 1e-4 * (1 + Math.abs(ref[c])));
                }
            }
            Rng rng = new Rng(5);
            float[] dLogits = new float[data.size() * 2];
            for (int i = 0; i < dLogits.length; i++) dLogits[i] = (float) rng.nextGaussian();
            net.backward(pass, data.x(), 0, P, dLogits);
            checkAgainstDifferences(net, net.weight().value(), net.weight().grad(), data, dLogits);
            checkAgainstDifferences(net, net.bias().value(), net.bias().grad(), data, dLogits);
        }
    }

    /** dL/dparam of L = sum dLogits * logits, by central differences of the double reference. */
    private static void checkAgainstDifferences(PatchFilterNetwork net, Tensor param, Tensor grad, Chen2022Data data,
                                                float[] dLogits) {
        float h = 1e-2f;
        for (int i = 0; i < param.size(); i += 7) {
            float saved = param.data()[i];
            param.data()[i] = saved + h;
            double up = weighted(net, data, dLogits);
            param.data()[i] = saved - h;
            double down = weighted(net, data, dLogits);
            param.data()[i] = saved;
            double expected = (up - down) / (2 * h);
            assertEquals(expected, grad.at(i), 2e-3 * (1 + Math.abs(expected)), "parameter " + i);
        }
    }

    private static double weighted(PatchFilterNetwork net, Chen2022Data data, float[] dLogits) {
        double s = 0;
        for (int i = 0; i < data.size(); i++) {
            double[] l = net.logitsReference(data.x(), i, P);
            s += dLogits[i * 2] * l[0] + dLogits[i * 2 + 1] * l[1];
        }
        return s;
    }

    @Test
    void moeBackwardAgreesWithFiniteDifferencesOfItsLoss() {
        Chen2022Data data = Chen2022Data.setting1(11, 12, 1).train();
        float[] sums = data.patchSums();
        Chen2022Moe moe = new Chen2022Moe(3, 2, D, true, 0.3, new Rng(12));
        Rng routerInit = new Rng(13);
        for (int i = 0; i < moe.router().length; i++) moe.router()[i] = (float) (0.01 * routerInit.nextGaussian());
        double loss = moe.loss(moe.forward(data, sums, new Rng(99)), data, sums, true);
        assertTrue(loss > 0.31 && loss < 1.32, "loss of probabilities through a cross-entropy, got " + loss);
        float[] routerGrad = moe.routerGrad().clone();
        float h = 1e-3f;
        for (int i = 0; i < moe.router().length; i += 5) {
            float saved = moe.router()[i];
            moe.router()[i] = saved + h;
            double up = moe.loss(moe.forward(data, sums, new Rng(99)), data, sums, false);
            moe.router()[i] = saved - h;
            double down = moe.loss(moe.forward(data, sums, new Rng(99)), data, sums, false);
            moe.router()[i] = saved;
            double expected = (up - down) / (2 * h);
            assertEquals(expected, routerGrad[i], 2e-2 * Math.abs(expected) + 2e-4, "router " + i);
        }
        for (int e = 0; e < moe.numExperts(); e++) {
            Tensor w = moe.expert(e).weight().value();
            Tensor g = moe.expert(e).weight().grad().copy();
            for (int i = 0; i < w.size(); i += 11) {
                float saved = w.data()[i];
                w.data()[i] = saved + h;
                double up = moe.loss(moe.forward(data, sums, new Rng(99)), data, sums, false);
                w.data()[i] = saved - h;
                double down = moe.loss(moe.forward(data, sums, new Rng(99)), data, sums, false);
                w.data()[i] = saved;
                double expected = (up - down) / (2 * h);
                assertEquals(expected, g.at(i), 2e-2 * Math.abs(expected) + 2e-4, "expert " + e + " weight " + i);
            }
        }
    }

    @Test
    void dispatchEntropyIsZeroForPureExpertsAndLnFourForMixedOnes() {
        assertEquals(0, Chen2022Experiment.dispatchEntropy(new int[][] {{5, 0, 0}, {0, 7, 0}, {0, 0, 2}}), 1e-12);
        assertEquals(Math.log(4), Chen2022Experiment.dispatchEntropy(new int[][] {{3, 1}, {3, 1}, {3, 1}, {3, 1}}), 1e-12);
        // expert 0 sees clusters half and half (ln 2), expert 1 one cluster; weights 4/6 and 2/6
        assertEquals(4.0 / 6 * Math.log(2), Chen2022Experiment.dispatchEntropy(new int[][] {{2, 2}, {2, 0}}), 1e-12);
    }

    @Test
    void aShortNonLinearMoeRunLearnsTheClusters() {
        Chen2022Experiment.Settings s = new Chen2022Experiment.Settings(1, 5, 2000, 2000, 8, 8, 40, 150, 1, 1e-3, 0.1,
                3e-3, 1e-2, 5e-4);
        Chen2022Data.Split data = Chen2022Data.setting1(5, 2000, 2000);
        Chen2022Experiment.Run run = Chen2022Experiment.trainMoe(s, Chen2022Experiment.Model.MOE_NONLINEAR, data, 5);
        assertTrue(run.testAccuracy() > 85, "test accuracy " + run.testAccuracy() + "% after " + run.epochs() + " epochs");
        assertTrue(run.finalLoss() < 0.6, "loss " + run.finalLoss() + " from ln 2 = 0.693 at the start");
    }

    @Test
    void badSettingsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Chen2022Experiment.Settings.paper(0));
        assertTrue(e.getMessage().contains("seeds is 0, must be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Chen2022Data.setting1(1, 0, 5));
        assertTrue(e.getMessage().contains("0 training and 5 test examples"), e.getMessage());
    }
}
