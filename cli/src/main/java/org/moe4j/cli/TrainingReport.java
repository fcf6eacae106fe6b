package org.moe4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.moe4j.cli.plot.HeatMap;
import org.moe4j.cli.plot.LineChart;
import org.moe4j.io.AtomicFiles;
import org.moe4j.model.ExpertSpecialisation;
import org.moe4j.run.RunFolder;
import org.moe4j.text.Tokenizer;
import org.moe4j.train.MetricsLog;
import org.moe4j.train.StepMetrics;

/**
 * The report of a training run, drawn from its metrics.jsonl: training and validation loss, the
 * load of every expert of every layer over time (heat maps), and an HTML page that shows them.
 */
final class TrainingReport {
    private TrainingReport() {}

    /** One line for the progress bar: loss, validation loss, throughput, expert balance. */
    static String progressText(StepMetrics r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "loss %.4f", r.lmLoss()));
        if (r.validated()) sb.append(String.format(Locale.ROOT, " val %.4f", r.valLoss()));
        sb.append(String.format(Locale.ROOT, " %.0f tok/s", r.tokensPerSecond()));
        double cv = r.meanLoadCv();
        if (!Double.isNaN(cv)) sb.append(String.format(Locale.ROOT, " load cv %.2f", cv));
        return sb.toString();
    }

    /** Writes report/ (PNG plots and index.html), with what each expert received if {@code specialisation} is given. */
    static Path write(RunFolder run, Tokenizer tok, long[][][] specialisation) throws IOException {
        List<StepMetrics> records = MetricsLog.read(run.metrics());
        Path dir = run.report();
        Files.createDirectories(dir);
        List<String> images = new ArrayList<>();
        double[] steps = new double[records.size()];
        double[] loss = new double[records.size()];
        List<double[]> val = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            StepMetrics r = records.get(i);
            steps[i] = r.step();
            loss[i] = r.lmLoss();
            if (r.validated()) val.add(new double[] {steps[i], r.valLoss()});
        }
        String unit = tok.kind().equals("char") ? "nats per character" : "nats per token";
        LineChart chart = new LineChart("Loss", "step", unit)
                .add(new LineChart.Series("training (mean of 20 steps)", steps, smooth(loss, 20)))
                .add(new LineChart.Series("validation", val.stream().mapToDouble(v -> v[0]).toArray(),
                        val.stream().mapToDouble(v -> v[1]).toArray()));
        chart.save(dir.resolve("loss.png"), 800, 450);
        images.add("loss.png");
        int layers = layerCount(records);
        for (int l = 0; l < layers; l++) {
            double[][] load = expertLoad(records, l, 60);
            if (load == null) continue;
            String[] labels = new String[load.length];
            for (int e = 0; e < labels.length; e++) labels[e] = "expert " + e;
            String name = "expert_load_layer" + l + ".png";
            new HeatMap("Layer " + l + ": share of routed tokens per expert over training", "training progress", "expert",
                    load, labels).save(dir.resolve(name), 800, Math.max(240, 60 + 22 * load.length));
            images.add(name);
        }
        StringBuilder tables = new StringBuilder();
        if (specialisation != null) {
            for (int l : ExpertSpecialisation.expertLayers(specialisation)) {
                String name = "experts_layer" + l + ".png";
                specialisationMap(specialisation[l], tok, l).save(dir.resolve(name), 900, Math.max(260, 80 + 22 * specialisation[l].length));
                images.add(name);
                tables.append(specialisationTable(specialisation[l], tok, l));
            }
        }
        StringBuilder html = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>moe4j run ")
                .append(escape(run.path().toString())).append("</title>\n<style>body{font-family:sans-serif;max-width:860px;margin:2em auto}"
                        + "img{max-width:100%;border:1px solid #ddd;margin:8px 0}td,th{padding:2px 10px;text-align:right}</style></head><body>\n")
                .append("<h1>moe4j run <code>").append(escape(run.path().getFileName().toString())).append("</code></h1>\n");
        if (!records.isEmpty()) {
            StepMetrics last = records.getLast();
            html.append("<table><tr><th>steps</th><th>training loss</th><th>validation loss</th><th>tokens/s</th></tr><tr><td>")
                    .append(last.step()).append("</td><td>").append(fmt(last.lmLoss())).append("</td><td>")
                    .append(val.isEmpty() ? "-" : fmt(val.getLast()[1])).append("</td><td>").append(fmt(last.tokensPerSecond()))
                    .append("</td></tr></table>\n<p>Loss in ").append(unit).append(".</p>\n");
        }
        for (String img : images) html.append("<p><img src=\"").append(img).append("\" alt=\"").append(img).append("\"></p>\n");
        html.append(tables);
        html.append("</body></html>\n");
        Path page = dir.resolve("index.html");
        AtomicFiles.writeString(page, html.toString());
        return page;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    static double[] smooth(double[] x, int window) {
        double[] y = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += x[i];
            if (i >= window) sum -= x[i - window];
            y[i] = sum / Math.min(i + 1, window);
        }
        return y;
    }

    private static int layerCount(List<StepMetrics> records) {
        for (StepMetrics r : records) {
            if (!r.layers().isEmpty()) return r.layers().size();
        }
        return 0;
    }

    /**
     * The share of routed tokens per expert in {@code columns} time buckets: [experts][columns], or
     * null when the layer reports no per-expert counts.
     */
    static double[][] expertLoad(List<StepMetrics> records, int layer, int columns) {
        List<double[]> rows = new ArrayList<>();
        for (StepMetrics r : records) {
            if (layer < r.layers().size() && r.layers().get(layer) != null) {
                int[] c = r.layers().get(layer).tokensPerExpert();
                double[] counts = new double[c.length];
                double total = 0;
                for (int e = 0; e < counts.length; e++) total += counts[e] = c[e];
                for (int e = 0; e < counts.length; e++) counts[e] = total == 0 ? 0 : counts[e] / total;
                rows.add(counts);
            }
        }
        if (rows.isEmpty()) return null;
        int experts = rows.getFirst().length;
        int buckets = Math.min(columns, rows.size());
        double[][] out = new double[experts][buckets];
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) rows.size() * b / buckets);
            int to = (int) ((long) rows.size() * (b + 1) / buckets);
            for (int i = from; i < to; i++)
                for (int e = 0; e < experts; e++) out[e][b] += rows.get(i)[e] / (to - from);
        }
        return out;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Printable form of a token: the text it stands for, with blanks and control characters shown. */
    static String show(Tokenizer tok, int id) {
        String t = tok.decode(new int[] {id});
        StringBuilder sb = new StringBuilder();
        t.codePoints().forEach(cp -> {
            if (cp == ' ') sb.append('\u2423');
            else if (cp == '\n') sb.append('\u23CE');
            else if (Character.isISOControl(cp)) sb.append(String.format(Locale.ROOT, "\\x%02x", cp));
            else sb.appendCodePoint(cp);
        });
        return sb.toString();
    }

    /** Experts x the 24 most frequent tokens: the share of each token's routings that went to each expert. */
    static HeatMap specialisationMap(long[][] counts, Tokenizer tok, int layer) {
        int experts = counts.length;
        int vocab = counts[0].length;
        long[] total = new long[vocab];
        for (long[] row : counts) for (int v = 0; v < vocab; v++) total[v] += row[v];
        Integer[] ids = new Integer[vocab];
        for (int v = 0; v < vocab; v++) ids[v] = v;
        java.util.Arrays.sort(ids, (a, b) -> Long.compare(total[b], total[a]));
        int cols = (int) Math.min(24, java.util.Arrays.stream(total).filter(t -> t > 0).count());
        double[][] share = new double[experts][Math.max(1, cols)];
        String[] labels = new String[Math.max(1, cols)];
        labels[0] = "";
        for (int j = 0; j < cols; j++) {
            labels[j] = show(tok, ids[j]);
            for (int e = 0; e < experts; e++) share[e][j] = (double) counts[e][ids[j]] / total[ids[j]];
        }
        String[] rows = new String[experts];
        for (int e = 0; e < experts; e++) rows[e] = "expert " + e;
        return new HeatMap("Layer " + layer + ": where the most frequent tokens are routed (share of each token)", "token",
                "expert", share, rows).columns(labels);
    }

    /** For each expert, the tokens it receives most often relative to how common they are (lift), as HTML. */
    static String specialisationTable(long[][] counts, Tokenizer tok, int layer) {
        int vocab = counts[0].length;
        long[] total = new long[vocab];
        long all = 0;
        for (long[] row : counts) for (int v = 0; v < vocab; v++) {
            total[v] += row[v];
            all += row[v];
        }
        StringBuilder sb = new StringBuilder("<h2>Layer " + layer + ": what each expert receives</h2>\n"
                + "<p>Tokens over-represented in an expert's input (share of the expert's tokens divided by the token's share of all"
                + " routed tokens; tokens seen at least 20 times), and the expert's share of all routed tokens.</p>\n<table>"
                + "<tr><th>expert</th><th>share</th><th style=\"text-align:left\">tokens (lift)</th></tr>\n");
        for (int e = 0; e < counts.length; e++) {
            long mine = 0;
            for (long c : counts[e]) mine += c;
            final long m = mine;
            final long a = all;
            List<int[]> candidates = new ArrayList<>();
            for (int v = 0; v < vocab; v++) if (total[v] >= 20 && counts[e][v] > 0) candidates.add(new int[] {v});
            long[] row = counts[e];
            candidates.sort((x, y) -> Double.compare(lift(row[y[0]], m, total[y[0]], a), lift(row[x[0]], m, total[x[0]], a)));
            StringBuilder toks = new StringBuilder();
            for (int i = 0; i < Math.min(10, candidates.size()); i++) {
                int v = candidates.get(i)[0];
                toks.append("<code>").append(escape(show(tok, v))).append("</code> ")
                        .append(String.format(Locale.ROOT, "%.1f", lift(counts[e][v], m, total[v], a))).append("&nbsp; ");
            }
            sb.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.1f%%</td><td style=\"text-align:left\">%s</td></tr>%n", e,
                    all == 0 ? 0 : 100.0 * mine / all, toks));
        }
        return sb.append("</table>\n").toString();
    }

    private static double lift(long count, long expertTotal, long tokenTotal, long all) {
        return expertTotal == 0 || tokenTotal == 0 ? 0 : ((double) count / expertTotal) / ((double) tokenTotal / all);
    }
}
