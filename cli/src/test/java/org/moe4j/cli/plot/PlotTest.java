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
}
