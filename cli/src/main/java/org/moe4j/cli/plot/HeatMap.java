package org.moe4j.cli.plot;

import java.awt.Color;
import java.awt.FontMetrics;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A matrix as coloured cells (white = 0 to dark blue = max), with row and column labels and a
 * colour scale: the load of every expert over time, or a cluster-by-expert dispatch matrix.
 */
public final class HeatMap {
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final double[][] values;
    private final String[] rowLabels;
    private String[] columnLabels;

    // values: (rows, cols)
    public HeatMap(String title, String xLabel, String yLabel, double[][] values, String[] rowLabels) {
        if (values.length == 0) throw new IllegalArgumentException("heat map '" + title + "' has no rows");
        for (double[] r : values) {
            if (r.length != values[0].length) throw new IllegalArgumentException("heat map '" + title + "': rows differ in length");
        }
        if (rowLabels.length != values.length) {
            throw new IllegalArgumentException("heat map '" + title + "': " + rowLabels.length + " labels for " + values.length + " rows");
        }
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.values = values;
        this.rowLabels = rowLabels;
    }

    /** Labels under the columns (one per column). */
    public HeatMap columns(String[] labels) {
        if (labels.length != values[0].length) {
            throw new IllegalArgumentException("heat map '" + title + "': " + labels.length + " column labels for " + values[0].length + " columns");
        }
        this.columnLabels = labels;
        return this;
    }

    public void save(Path file, int width, int height) throws IOException {
        draw(width, height).save(file);
    }

    public byte[] png(int width, int height) throws IOException {
        return draw(width, height).png();
    }

    static Color shade(double t) {
        t = Math.max(0, Math.min(1, t));
        return new Color((int) Math.round(255 - t * (255 - 8)), (int) Math.round(255 - t * (255 - 48)),
                (int) Math.round(255 - t * (255 - 107)));
    }

    private Canvas draw(int width, int height) {
        Canvas c = new Canvas(width, height, 90, 40, 80, 50);
        int rows = values.length;
        int cols = values[0].length;
        double max = 0;
        for (double[] r : values) for (double v : r) if (Double.isFinite(v)) max = Math.max(max, v);
        if (max == 0) max = 1;
        c.title(title);
        double cw = (double) (c.right - c.left) / Math.max(1, cols);
        double ch = (double) (c.bottom - c.top) / rows;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                c.g.setColor(shade(values[r][j] / max));
                int x = c.left + (int) Math.floor(j * cw);
                int y = c.top + (int) Math.floor(r * ch);
                c.g.fillRect(x, y, (int) Math.ceil(cw), (int) Math.ceil(ch));
            }
        }
        c.g.setColor(Color.BLACK);
        c.g.drawRect(c.left, c.top, c.right - c.left, c.bottom - c.top);
        FontMetrics fm = c.g.getFontMetrics();
        int every = Math.max(1, (int) Math.ceil(fm.getHeight() / ch));
        for (int r = 0; r < rows; r += every) {
            String s = rowLabels[r];
            c.g.drawString(s, c.left - 6 - fm.stringWidth(s), c.top + (int) ((r + 0.5) * ch) + fm.getAscent() / 2 - 1);
        }
        if (columnLabels != null) {
            for (int j = 0; j < cols; j++) {
                String lbl = columnLabels[j];
                c.g.drawString(lbl, c.left + (int) ((j + 0.5) * cw) - fm.stringWidth(lbl) / 2, c.bottom + 4 + fm.getAscent());
            }
        }
        c.g.drawString(xLabel, (c.left + c.right - fm.stringWidth(xLabel)) / 2, c.bottom + 22 + fm.getAscent());
        c.g.drawString(yLabel, 8, c.top - 8);
        int sx = c.right + 20;
        for (int i = 0; i < c.bottom - c.top; i++) {
            c.g.setColor(shade(1 - (double) i / (c.bottom - c.top)));
            c.g.drawLine(sx, c.top + i, sx + 14, c.top + i);
        }
        c.g.setColor(Color.BLACK);
        c.g.drawString(Canvas.format(max), sx + 18, c.top + fm.getAscent());
        c.g.drawString("0", sx + 18, c.bottom);
        return c;
    }
}
