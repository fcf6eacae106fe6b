package org.moe4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.cli.plot.ScatterPlot;
import org.moe4j.experiment.HrmeExperiment;
import org.moe4j.experiment.HrmeExperiment.DataSet;
import org.moe4j.experiment.RegressionSets;
import org.moe4j.hrme.HrmeFile;
import org.moe4j.hrme.HrmeModel;
import org.moe4j.hrme.RegressionData;
import org.moe4j.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moe4j experiment hrme}: Hierarchical Routing Mixture of Experts (Zhao et al., ICPR 2020)
 * against least squares, a mixture of linear experts and an MLP on three lines, diabetes and
 * Friedman #1; the learned trees; the three-lines picture like the paper's figure 1.
 */
@Command(name = "hrme", mixinStandardHelpOptions = true,
        description = "Zhao et al. 2020, 'Hierarchical Routing Mixture of Experts': HRME (hard and soft) vs linear regression, "
                + "a mixture of linear experts and an MLP on three lines, diabetes and Friedman #1 (train/test MAE and RMSE).")
final class HrmeCommand implements Callable<Integer> {
    @Option(names = "--seed", description = "Seed of the data, the splits and the models (default ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--friedman-rows", description = "Rows of Friedman #1 before the 70/30 split (default ${DEFAULT-VALUE}).")
    int friedmanRows = 20_000;

    @Option(names = "--data-sets", split = ",", paramLabel = "NAME",
            description = "Which data sets, comma-separated: three_lines, diabetes, friedman1 (default: all).")
    List<String> dataSets = List.of("three_lines", "diabetes", "friedman1");

    @Option(names = "--plot", paramLabel = "FILE",
            description = "PNG of the three-lines data, each leaf's fit and the hard prediction (default ${DEFAULT-VALUE}).")
    Path plot = Path.of("hrme-three-lines.png");

    @Option(names = "--export-data", paramLabel = "DIR",
            description = "Also write each data set's train and test rows as CSV (x0..x(d-1), y) for the scikit-learn script.")
    Path exportData;

    @Option(names = "--save-models", paramLabel = "DIR", description = "Also save each trained HRME as DIR/NAME.safetensors.")
    Path saveModels;

    @Mixin
    JsonOutputOption json = new JsonOutputOption();

    @Override
    public Integer call() throws Exception {
        List<DataSet> chosen = new ArrayList<>();
        for (String name : dataSets) chosen.add(parse(name));
        HrmeExperiment.Settings standard = HrmeExperiment.Settings.standard();
        var settings = new HrmeExperiment.Settings(seed, friedmanRows, chosen, standard.hrme(), standard.moleExperts(),
                standard.mlpHidden(), standard.mlpEpochs());
        ProgressBar bar = new ProgressBar("hrme", (long) chosen.size() * 4);
        int[] done = {0};
        var results = HrmeExperiment.run(settings, (d, model, sec) -> bar.update(++done[0],
                String.format(Locale.ROOT, "%s %s: %.1f s", d.key(), model, sec)));
        for (var r : results) {
            RegressionSets.Split s = r.split();
            System.out.printf(Locale.ROOT, "%s: %d train / %d test rows, %d features%n", r.dataSet().key(), s.train().rows(),
                    s.test().rows(), s.train().features());
            System.out.printf(Locale.ROOT, "  %-26s %10s %10s %10s %10s%n", "model", "train MAE", "train RMSE", "test MAE", "test RMSE");
            for (String m : HrmeExperiment.MODELS) {
                var sc = r.scores().get(m);
                System.out.printf(Locale.ROOT, "  %-26s %10.4f %10.4f %10.4f %10.4f%n", m, sc.trainMae(), sc.trainRmse(),
                        sc.testMae(), sc.testRmse());
            }
            var fit = r.fit();
            System.out.printf(Locale.ROOT, "  tree: depth %d, %d leaves; growth %.2f s, EM %d iterations %.2f s; "
                            + "log-likelihood per row %.4f -> %.4f%n", r.model().depth(), r.model().leafCount(), fit.growthSeconds(),
                    fit.emIterations(), fit.emSeconds(), fit.logLikelihoods().getFirst(), fit.logLikelihoods().getLast());
            for (String line : r.model().toText().split("\n")) System.out.println("    " + line);
            if (exportData != null) export(s);
            if (saveModels != null) {
                Files.createDirectories(saveModels);
                Path file = saveModels.resolve(r.dataSet().key() + ".safetensors");
                HrmeFile.save(r.model(), file);
                System.err.println("model saved to " + file);
            }
            if (r.dataSet() == DataSet.THREE_LINES) drawThreeLines(r.model(), s.train());
        }
        json.write(HrmeExperiment.toJson(settings, results));
        return 0;
    }

    private static DataSet parse(String name) {
        for (DataSet d : DataSet.values()) if (d.key().equals(name)) return d;
        throw new IllegalArgumentException("hrme: unknown data set \"" + name + "\"; choose from three_lines, diabetes, friedman1");
    }

    private void export(RegressionSets.Split s) throws IOException {
        Files.createDirectories(exportData);
        writeCsv(exportData.resolve(s.name() + "-train.csv"), s.train());
        writeCsv(exportData.resolve(s.name() + "-test.csv"), s.test());
        System.err.println(s.name() + " rows written to " + exportData);
    }

    /** Every value with 17 significant digits, so the script reads exactly the doubles Java used. */
    private static void writeCsv(Path file, RegressionData data) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < data.features(); j++) sb.append('x').append(j).append(',');
        sb.append("y\n");
        for (int i = 0; i < data.rows(); i++) {
            for (double v : data.x()[i]) sb.append(Double.toString(v)).append(',');
            sb.append(Double.toString(data.y()[i])).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    /**
     * The paper's figure 1 in one panel: the training points, each leaf's linear fit drawn where
     * it is the most probable path, and the hard prediction.
     */
    private void drawThreeLines(HrmeModel model, RegressionData train) throws IOException {
        int n = 801;
        double[][] grid = new double[n][1];
        double[] gx = new double[n];
        for (int i = 0; i < n; i++) gx[i] = grid[i][0] = -10 + 20.0 * i / (n - 1);
        double[][] leafFits = model.leafPredictions(grid);
        double[][] paths = model.leafProbabilities(grid);
        double[] hard = model.predictHard(grid);
        double[] px = new double[train.rows()];
        for (int i = 0; i < px.length; i++) px[i] = train.x()[i][0];
        ScatterPlot chart = new ScatterPlot(String.format(Locale.ROOT,
                "HRME on three lines: %d leaves, depth %d (training data, leaf fits where a path has p > 0.1, hard prediction)",
                model.leafCount(), model.depth()), "x", "y");
        chart.add(new ScatterPlot.Points("training data", px, train.y(), -1));
        for (int l = 0; l < model.leafCount(); l++) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) y[i] = paths[i][l] > 0.1 ? leafFits[i][l] : Double.NaN;
            chart.add(new ScatterPlot.Curve("leaf " + (l + 1), gx, y, l, 2f));
        }
        chart.add(new ScatterPlot.Curve("hard prediction", gx, hard, -1, 1.2f));
        chart.save(plot, 1000, 620);
        System.err.println("three-lines picture drawn to " + plot);
    }
}
