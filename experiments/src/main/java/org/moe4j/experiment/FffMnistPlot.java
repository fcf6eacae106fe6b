package org.moe4j.experiment;

import java.util.List;
import java.util.Locale;

/**
 * The fff-mnist grid as a small SVG line chart: generalisation accuracy (hard decisions) against
 * the training width w, one line for the FF and one per FFF leaf width, on a log2 width axis.
 */
public final class FffMnistPlot {
    private FffMnistPlot() {}

    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final int LEFT = 60;
    private static final int RIGHT = 150;
    private static final int TOP = 30;
    private static final int BOTTOM = 50;
    private static final String[] COLOURS = {"#000000", "#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b"};

    public static String svg(List<FffMnistExperiment.Cell> cells, int[] widths, int[] leafWidths) {
        double minAcc = 1;
        for (FffMnistExperiment.Cell c : cells) minAcc = Math.min(minAcc, c.generalisation());
        double low = Math.floor(minAcc * 10) / 10;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\">MNIST (8,000 training digits): test accuracy, hard decisions</text>%n", LEFT));
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", LEFT, TOP, plotW, plotH));
        for (int i = 0; i < widths.length; i++) {
            double x = xOf(i, widths.length, plotW);
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x, HEIGHT - BOTTOM + 18, widths[i]));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">training width w</text>%n", LEFT + plotW / 2, HEIGHT - 10));
        for (double a = low; a <= 1.0001; a += 0.1) {
            double y = yOf(a, low, plotH);
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f%%</text>%n", LEFT - 6, y + 4, 100 * a));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>%n", LEFT, LEFT + plotW, y, y));
        }
        int series = 0;
        series = line(sb, cells, widths, 0, "FF", COLOURS[0], low, plotW, plotH, series);
        for (int l : leafWidths) {
            series = line(sb, cells, widths, l, "FFF l=" + l, COLOURS[1 + (series - 1) % (COLOURS.length - 1)], low, plotW, plotH, series);
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** leaf 0 selects the FF cells. */
    private static int line(StringBuilder sb, List<FffMnistExperiment.Cell> cells, int[] widths, int leaf, String label,
                            String colour, double low, int plotW, int plotH, int series) {
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            for (FffMnistExperiment.Cell c : cells) {
                boolean match = c.width() == widths[i] && (leaf == 0 ? c.isDense() : !c.isDense() && c.leafWidth() == leaf);
                if (match) {
                    double x = xOf(i, widths.length, plotW);
                    double y = yOf(c.generalisation(), low, plotH);
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                    sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y, colour));
                }
            }
        }
        sb.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", points.toString().trim(), colour));
        int ly = TOP + 10 + 20 * series;
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n", WIDTH - RIGHT + 15, WIDTH - RIGHT + 40, ly, ly, colour));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", WIDTH - RIGHT + 46, ly + 4, label));
        return series + 1;
    }

    private static double xOf(int i, int n, int plotW) {
        return LEFT + (n == 1 ? plotW / 2.0 : 20 + i * (plotW - 40.0) / (n - 1));
    }

    private static double yOf(double acc, double low, int plotH) {
        return TOP + plotH * (1 - (acc - low) / (1 - low));
    }
}
