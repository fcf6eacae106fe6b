package org.moe4j.experiment;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A one-epoch corner of the fff-mnist grid, and its table and chart. */
class FffMnistExperimentTest {
    @Test
    void aSmallGridTrainsBothModelsAndTabulatesThem() throws Exception {
        var s = new FffMnistExperiment.Settings(new int[] {8}, new int[] {2, 16}, 1, 200, 5e-3, 0.1, 3);
        List<String> lines = new ArrayList<>();
        List<FffMnistExperiment.Cell> cells = FffMnistExperiment.run(s, lines::add);
        assertEquals(2, cells.size(), "FF w=8 and FFF l=2 (l=16 > w is skipped)");
        FffMnistExperiment.Cell ff = cells.get(0);
        FffMnistExperiment.Cell fff = cells.get(1);
        assertTrue(ff.isDense() && ff.depth() == 0 && ff.leafWidth() == 8);
        assertEquals(2, fff.depth());
        assertTrue(ff.generalisation() > 0.75, "FF w=8 after one epoch: " + ff.generalisation());
        assertTrue(fff.generalisation() > 0.3, "FFF w=8 l=2 after one epoch: " + fff.generalisation());
        assertTrue(fff.speedup() > 0 && Double.isFinite(fff.speedup()));
        assertTrue(lines.get(1).startsWith("FFF w=8   l=2 depth 2   M_A "), lines.get(1));
        String table = FffMnistExperiment.markdownTable(cells, new int[] {2, 16});
        assertTrue(table.startsWith("| w | FF M_A | FF G_A | FFF l=2 M_A / G_A / speedup | FFF l=16 M_A / G_A / speedup |\n"), table);
        assertTrue(table.contains("\n| 8 | "), table);
        assertTrue(table.trim().endsWith(" - |"), "no FFF with l=16 for w=8: " + table);
        String svg = FffMnistPlot.svg(cells, new int[] {8}, new int[] {2, 16});
        assertTrue(svg.startsWith("<svg ") && svg.trim().endsWith("</svg>"));
        assertEquals(2, svg.split("<circle ", -1).length - 1, "one point per trained model");
    }
}
