package org.moe4j.cli.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Curves of (x, y) points on shared axes, with a legend: training and validation loss, say. */
public final class LineChart {
    /** One named curve. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but " + y.length + " y values");
            }
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();

    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public LineChart add(Series s) {
        series.add(s);
        return this;
    }

    public byte[] png(int width, int height) throws IOException {
        Canvas c = draw(width, height);
        return c.png();
    }

    public void save(Path file, int width, int height) throws IOException {
        draw(width, height).save(file);
    }

    private Canvas draw(int width, int height) {
        Canvas c = new Canvas(width, height, 70, 40, 20, 50);
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) continue;
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                yMin = Math.min(yMin, s.y()[i]);
                yMax = Math.max(yMax, s.y()[i]);
            }
        }
        if (xMin > xMax) {
            xMin = 0;
            xMax = 1;
            yMin = 0;
            yMax = 1;
        }
        double pad = (yMax - yMin) * 0.05;
        c.ranges(xMin, xMax, yMin - pad, yMax + pad);
        c.title(title);
        c.axes(xLabel, yLabel);
        c.g.setStroke(new BasicStroke(1.8f));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            c.g.setColor(Canvas.PALETTE[k % Canvas.PALETTE.length]);
            int px = -1, py = -1;
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) {
                    px = -1;
                    continue;
                }
                int nx = c.x(s.x()[i]);
                int ny = c.y(s.y()[i]);
                if (px >= 0) c.g.drawLine(px, py, nx, ny);
                else if (s.x().length == 1 || (i + 1 < s.x().length && !Double.isFinite(s.y()[i + 1]))) c.g.fillOval(nx - 3, ny - 3, 6, 6);
                px = nx;
                py = ny;
            }
        }
        FontMetrics fm = c.g.getFontMetrics();
        int ly = c.top + 8;
        for (int k = 0; k < series.size(); k++) {
            String name = series.get(k).name();
            int lx = c.right - 12 - fm.stringWidth(name) - 24;
            c.g.setColor(Canvas.PALETTE[k % Canvas.PALETTE.length]);
            c.g.fillRect(lx, ly + fm.getAscent() / 2 - 2, 18, 4);
            c.g.setColor(Color.BLACK);
            c.g.drawString(name, lx + 24, ly + fm.getAscent());
            ly += fm.getHeight() + 2;
        }
        return c;
    }
}
