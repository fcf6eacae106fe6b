package org.moe4j.cli.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Point clouds and curves on shared axes, with a legend: data as dots, fitted functions as lines
 * (a NaN y breaks a line, so a curve can be drawn only where it applies).
 */
public final class ScatterPlot {
    /** Dots of one colour; {@code colour} indexes the palette, -1 is light grey. */
    public record Points(String name, double[] x, double[] y, int colour) {
        public Points {
            if (x.length != y.length) {
                throw new IllegalArgumentException("points '" + name + "': " + x.length + " x values but " + y.length + " y values");
            }
        }
    }

    /** A curve; {@code colour} indexes the palette, -1 is black; {@code width} in pixels. */
    public record Curve(String name, double[] x, double[] y, int colour, float width) {
        public Curve {
            if (x.length != y.length) {
                throw new IllegalArgumentException("curve '" + name + "': " + x.length + " x values but " + y.length + " y values");
            }
        }
    }

    private static final Color GREY = new Color(0xb0b0b0);

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Points> points = new ArrayList<>();
    private final List<Curve> curves = new ArrayList<>();

    public ScatterPlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public ScatterPlot add(Points p) {
        points.add(p);
        return this;
    }

    public ScatterPlot add(Curve c) {
        curves.add(c);
        return this;
    }

    static Color colour(int index, Color fallback) {
        return index < 0 ? fallback : Canvas.PALETTE[index % Canvas.PALETTE.length];
    }

    public void save(Path file, int width, int height) throws IOException {
        draw(width, height).save(file);
    }

    public byte[] png(int width, int height) throws IOException {
        return draw(width, height).png();
    }

    private Canvas draw(int width, int height) {
        Canvas c = new Canvas(width, height, 70, 40, 20, 50);
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Points p : points) {
            for (int i = 0; i < p.x().length; i++) {
                if (!Double.isFinite(p.x()[i]) || !Double.isFinite(p.y()[i])) continue;
                xMin = Math.min(xMin, p.x()[i]);
                xMax = Math.max(xMax, p.x()[i]);
                yMin = Math.min(yMin, p.y()[i]);
                yMax = Math.max(yMax, p.y()[i]);
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
        java.awt.Shape clip = c.g.getClip();
        c.g.clipRect(c.left, c.top, c.right - c.left, c.bottom - c.top);
        for (Points p : points) {
            c.g.setColor(colour(p.colour(), GREY));
            for (int i = 0; i < p.x().length; i++) {
                if (!Double.isFinite(p.y()[i])) continue;
                c.g.fillOval(c.x(p.x()[i]) - 2, c.y(p.y()[i]) - 2, 4, 4);
            }
        }
        for (Curve k : curves) {
            c.g.setColor(colour(k.colour(), Color.BLACK));
            c.g.setStroke(new BasicStroke(k.width()));
            int px = Integer.MIN_VALUE, py = 0;
            for (int i = 0; i < k.x().length; i++) {
                if (!Double.isFinite(k.y()[i])) {
                    px = Integer.MIN_VALUE;
                    continue;
                }
                int nx = c.x(k.x()[i]), ny = c.y(k.y()[i]);
                if (px != Integer.MIN_VALUE) c.g.drawLine(px, py, nx, ny);
                px = nx;
                py = ny;
            }
        }
        c.g.setClip(clip);
        c.g.setStroke(new BasicStroke(1f));
        FontMetrics fm = c.g.getFontMetrics();
        int ly = c.top + 8;
        for (Points p : points) {
            int lx = c.left + 12;
            c.g.setColor(colour(p.colour(), GREY));
            c.g.fillOval(lx + 6, ly + fm.getAscent() / 2 - 3, 6, 6);
            c.g.setColor(Color.BLACK);
            c.g.drawString(p.name(), lx + 24, ly + fm.getAscent());
            ly += fm.getHeight() + 2;
        }
        for (Curve k : curves) {
            int lx = c.left + 12;
            c.g.setColor(colour(k.colour(), Color.BLACK));
            c.g.fillRect(lx, ly + fm.getAscent() / 2 - 2, 18, Math.max(2, Math.round(k.width())));
            c.g.setColor(Color.BLACK);
            c.g.drawString(k.name(), lx + 24, ly + fm.getAscent());
            ly += fm.getHeight() + 2;
        }
        return c;
    }
}
