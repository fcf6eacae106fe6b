package org.moe4j.cli.plot;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotTest {
    private static boolean hasColor(BufferedImage img, Color c) {
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++)
                if ((img.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF)) return true;
        return false;
    }

    @Test
    void lineChartDrawsEachSeriesInItsColour(@TempDir Path dir) throws Exception {
        LineChart chart = new LineChart("loss", "step", "nats")
                .add(new LineChart.Series("train", new double[] {0, 1, 2, 3}, new double[] {4, 3, 2.5, 2}))
                .add(new LineChart.Series("validation", new double[] {0, 3}, new double[] {4.1, 2.2}));
        Path file = dir.resolve("loss.png");
        chart.save(file, 640, 400);
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(640, img.getWidth());
        assertTrue(hasColor(img, Canvas.PALETTE[0]) && hasColor(img, Canvas.PALETTE[1]), "both curves are drawn");
        assertThrows(IllegalArgumentException.class, () -> new LineChart.Series("x", new double[2], new double[3]));
    }

    @Test
    void heatMapShadesByValue() throws Exception {
        double[][] load = {{0, 10}, {5, 10}};
        byte[] png = new HeatMap("load", "step", "expert", load, new String[] {"e0", "e1"}).png(300, 200);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(hasColor(img, HeatMap.shade(1.0)), "the maximum is darkest");
        assertTrue(hasColor(img, HeatMap.shade(0.5)), "half the maximum is half-shaded");
        assertEquals("0.1", Canvas.format(0.1));
        assertEquals("3.5", Canvas.format(3.5));
        assertEquals("0.00125", Canvas.format(0.00125));
        assertArrayEquals(new double[] {0, 0.5, 1.0, 1.5, 2.0}, Canvas.ticks(0, 2), 1e-12);
        assertFalse(Files.exists(Path.of("load.png")));
    }

    @Test
    void scatterPlotDrawsGreyPointsAndColouredCurvesBrokenAtNaN() throws Exception {
        double[] x = {0, 1, 2, 3, 4}, y = {0, 1, 4, 9, 16};
        ScatterPlot plot = new ScatterPlot("fit", "x", "y")
                .add(new ScatterPlot.Points("data", x, y, -1))
                .add(new ScatterPlot.Curve("leaf 1", x, new double[] {0, 2, Double.NaN, Double.NaN, 14}, 2, 2f));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(plot.png(400, 300)));
        assertTrue(hasColor(img, new Color(0xb0b0b0)), "points in grey");
        assertTrue(hasColor(img, Canvas.PALETTE[2]), "the curve in its palette colour");
        // the curve is broken at the NaNs: the middle of the plot, between x = 1 and x = 4, has no curve colour
        int green = 0;
        int x1 = 70 + (int) ((400 - 90) * 0.4), x2 = 70 + (int) ((400 - 90) * 0.7);
        for (int px = x1; px < x2; px++) {
            for (int py = 40; py < 250; py++) if ((img.getRGB(px, py) & 0xFFFFFF) == (Canvas.PALETTE[2].getRGB() & 0xFFFFFF)) green++;
        }
        assertEquals(0, green, "no segment across the NaN gap");
        assertThrows(IllegalArgumentException.class, () -> new ScatterPlot.Points("p", new double[2], new double[1], 0));
    }
}
