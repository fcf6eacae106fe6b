package org.moe4j.experiment;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.moe4j.hrme.RegressionData;
import org.moe4j.tensor.Rng;

/**
 * The three regression data sets of the HRME experiment, each split 70/30 into train and test by
 * a seeded permutation:
 * <ul>
 *   <li>three lines (the paper's figure 1): x uniform on each line's interval, y = 0.8x - 1 on
 *       [-8, 10] (sd 0.2, 900 points), y = 1.2x + 6 on [-10, 2] (sd 0.15, 800), y = -2x + 5 on
 *       [-2, 6] (sd 0.25, 800);</li>
 *   <li>diabetes (Efron et al. 2004, as bundled with scikit-learn): 442 rows, 10 raw features;</li>
 *   <li>Friedman #1 (Friedman 1991; scikit-learn's make_friedman1): x uniform on [0, 1]^10,
 *       y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise N(0, 1) (x6..x10 unused).</li>
 * </ul>
 */
public final class RegressionSets {
    private RegressionSets() {}

    /** A data set cut into training and test rows. */
    public record Split(String name, RegressionData train, RegressionData test) {}

    private static final String DIABETES = "/org/moe4j/data/diabetes/";

    public static RegressionData threeLines(long seed) {
        Rng rng = new Rng(seed);
        List<double[]> rows = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        double[][] lines = {{0.8, -1, -8, 10, 0.2, 900}, {1.2, 6, -10, 2, 0.15, 800}, {-2, 5, -2, 6, 0.25, 800}};
        for (double[] l : lines) {
            for (int i = 0; i < (int) l[5]; i++) {
                double x = l[2] + (l[3] - l[2]) * rng.nextDouble();
                rows.add(new double[] {x});
                ys.add(l[0] * x + l[1] + l[4] * rng.nextGaussian());
            }
        }
        return new RegressionData(rows.toArray(double[][]::new), ys.stream().mapToDouble(Double::doubleValue).toArray());
    }

    public static RegressionData friedman1(int rows, double noise, long seed) {
        if (rows < 1) throw new IllegalArgumentException("friedman1: rows is " + rows + ", must be >= 1");
        Rng rng = new Rng(seed);
        double[][] x = new double[rows][10];
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < 10; j++) x[i][j] = rng.nextDouble();
            double[] r = x[i];
            y[i] = 10 * Math.sin(Math.PI * r[0] * r[1]) + 20 * (r[2] - 0.5) * (r[2] - 0.5) + 10 * r[3] + 5 * r[4]
                    + noise * rng.nextGaussian();
        }
        return new RegressionData(x, y);
    }

    public static RegressionData diabetes() {
        List<double[]> x = readRows(DIABETES + "diabetes_data_raw.csv.gz");
        List<double[]> y = readRows(DIABETES + "diabetes_target.csv.gz");
        if (x.size() != 442 || y.size() != 442) {
            throw new IllegalStateException("bundled diabetes data: " + x.size() + " rows of x and " + y.size()
                    + " targets, expected 442 of each");
        }
        return new RegressionData(x.toArray(double[][]::new), y.stream().mapToDouble(r -> r[0]).toArray());
    }

    private static List<double[]> readRows(String resource) {
        try (InputStream raw = RegressionSets.class.getResourceAsStream(resource)) {
            if (raw == null) throw new IllegalStateException("bundled data " + resource + " is missing from the jar");
            BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII));
            List<double[]> rows = new ArrayList<>();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] f = line.trim().split("\\s+");
                double[] r = new double[f.length];
                for (int j = 0; j < f.length; j++) r[j] = Double.parseDouble(f[j]);
                rows.add(r);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("reading bundled data " + resource, e);
        }
    }

    /** A seeded 70/30 split: the first 70% (rounded) of a Fisher-Yates permutation train, the rest test. */
    public static Split split(String name, RegressionData data, double trainFraction, long seed) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("split: trainFraction is " + trainFraction + ", must be in (0, 1)");
        }
        int n = data.rows();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Rng rng = new Rng(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int nTrain = (int) Math.round(trainFraction * n);
        return new Split(name, data.subset(java.util.Arrays.copyOfRange(order, 0, nTrain)),
                data.subset(java.util.Arrays.copyOfRange(order, nTrain, n)));
    }
}
