package org.moe4j.cli.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.moe4j.io.AtomicFiles;

/**
 * A white image with a plot area, axes, ticks, title and labels, drawn with Java2D (headless),
 * saved as PNG atomically. Charts draw their data through {@link #x(double)} and {@link #y(double)}.
 */
final class Canvas {
    static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf)};

    final BufferedImage image;
    final Graphics2D g;
    final int left, top, right, bottom;
    private double x0, x1, y0, y1;

    Canvas(int width, int height, int left, int top, int right, int bottom) {
        System.setProperty("java.awt.headless", "true");
        this.image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        this.g = image.createGraphics();
        this.left = left;
        this.top = top;
        this.right = width - right;
        this.bottom = height - bottom;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    }

    void ranges(double xMin, double xMax, double yMin, double yMax) {
        if (!(xMax > xMin)) xMax = xMin + 1;
        if (!(yMax > yMin)) yMax = yMin + 1;
        x0 = xMin;
        x1 = xMax;
        y0 = yMin;
        y1 = yMax;
    }

    int x(double v) {
        return (int) Math.round(left + (v - x0) / (x1 - x0) * (right - left));
    }

    int y(double v) {
        return (int) Math.round(bottom - (v - y0) / (y1 - y0) * (bottom - top));
    }

    void title(String text) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, (image.getWidth() - fm.stringWidth(text)) / 2, top / 2 + fm.getAscent() / 2);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    }

    /** Axes with about five ticks each and the axis labels. */
    void axes(String xLabel, String yLabel) {
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(left, top, right - left, bottom - top);
        FontMetrics fm = g.getFontMetrics();
        for (double t : ticks(x0, x1)) {
            int px = x(t);
            g.drawLine(px, bottom, px, bottom + 4);
            String s = format(t);
            g.drawString(s, px - fm.stringWidth(s) / 2, bottom + 6 + fm.getAscent());
        }
        for (double t : ticks(y0, y1)) {
            int py = y(t);
            g.drawLine(left - 4, py, left, py);
            String s = format(t);
            g.drawString(s, left - 7 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
        }
        g.drawString(xLabel, (left + right - fm.stringWidth(xLabel)) / 2, bottom + 22 + fm.getAscent());
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yLabel, -(top + bottom + fm.stringWidth(yLabel)) / 2, 14);
        rotated.dispose();
    }

    static double[] ticks(double lo, double hi) {
        double span = hi - lo;
        double step = Math.pow(10, Math.floor(Math.log10(span / 5)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (span / (step * m) <= 6) {
                step *= m;
                break;
            }
        }
        double first = Math.ceil(lo / step) * step;
        int n = (int) Math.floor((hi - first) / step + 1e-9) + 1;
        double[] t = new double[Math.max(0, n)];
        for (int i = 0; i < t.length; i++) t[i] = first + i * step;
        return t;
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7) return String.format(Locale.ROOT, "%d", (long) v);
        double a = Math.abs(v);
        String s = a >= 100 ? String.format(Locale.ROOT, "%.0f", v) : a >= 1 ? String.format(Locale.ROOT, "%.2f", v)
                : String.format(Locale.ROOT, "%.3g", v);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /**
     * The image as PNG bytes. The encoder gets an in-memory stream: given a plain OutputStream,
     * ImageIO caches in a temporary file and registers a shutdown hook to close it, which throws
     * while the JVM shuts down, and {@code train} writes its report then after Ctrl-C.
     */
    byte[] png() throws IOException {
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            if (!ImageIO.write(image, "png", stream)) {
                throw new IOException("no PNG writer in this JVM");
            }
        }
        return out.toByteArray();
    }

    void save(Path file) throws IOException {
        byte[] bytes = png();
        AtomicFiles.write(file, out -> out.write(bytes));
    }
}
