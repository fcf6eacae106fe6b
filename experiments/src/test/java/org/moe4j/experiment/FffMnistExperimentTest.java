package org.moe4j.experiment;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A one-epoch corner of the fff-mnist grid, and its table and chart. */
@Tag("slow")
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

    @Test
    void theHardeningLossStartsAtTheGivenFractionOfTheSteps() throws Exception {
        // one epoch of 40 steps: a start of 0.99 begins at step 40, after the last one, so the run
        // must equal one without hardening, and differ from one that hardens from the first step
        float[] never = trainedNodeWeights(new FffMnistExperiment.Settings(new int[] {4}, new int[] {2}, 1, 200, 5e-3, 5, 0.99, 0, 3));
        float[] none = trainedNodeWeights(new FffMnistExperiment.Settings(new int[] {4}, new int[] {2}, 1, 200, 5e-3, 0, 0, 0, 3));
        float[] always = trainedNodeWeights(new FffMnistExperiment.Settings(new int[] {4}, new int[] {2}, 1, 200, 5e-3, 5, 0, 0, 3));
        assertArrayEquals(none, never);
        assertFalse(java.util.Arrays.equals(none, always), "hardening from step 0 changes the node weights");
        var e = assertThrows(IllegalArgumentException.class,
                () -> new FffMnistExperiment.Settings(new int[] {4}, new int[] {2}, 1, 200, 5e-3, 5, 1, 0, 3));
        assertTrue(e.getMessage().contains("hardening start is 1.0, must be in [0, 1)"), e.getMessage());
    }

    /** The FFF's weights after training (no evaluation or timing: the comparison needs only them). */
    private static float[] trainedNodeWeights(FffMnistExperiment.Settings s) throws Exception {
        org.moe4j.data.Mnist.Digits train = org.moe4j.data.Mnist.train();
        org.moe4j.tensor.Tensor x = train.images().reshape(-1, train.rows() * train.cols()).copy();
        var layer = FffMnistExperiment.trainOne(s, 4, 2, x, train.labels()).layer();
        return layer.namedParameters().get("node.weight").value().toArray();
    }

    @Test
    void hardEpochsTrainTheTreeWithHardDecisions() throws Exception {
        org.moe4j.data.Mnist.Digits train = org.moe4j.data.Mnist.train();
        org.moe4j.tensor.Tensor x = train.images().reshape(-1, train.rows() * train.cols()).copy();
        var s = new FffMnistExperiment.Settings(new int[] {4}, new int[] {2}, 1, 200, 5e-3, 0.1, 0, 1, 3);
        var layer = FffMnistExperiment.trainOne(s, 4, 2, x, train.labels()).layer();
        assertTrue(layer.config().hardTraining(), "the returned tree is the one trained hard");
        var soft = FffMnistExperiment.trainOne(new FffMnistExperiment.Settings(new int[] {4}, new int[] {2}, 1, 200, 5e-3, 0.1, 0, 0, 3),
                4, 2, x, train.labels()).layer();
        assertFalse(soft.config().hardTraining());
        assertFalse(java.util.Arrays.equals(soft.namedParameters().get("leaves.w1.weight").value().toArray(),
                layer.namedParameters().get("leaves.w1.weight").value().toArray()), "the hard epochs moved the leaves");
        var e = assertThrows(IllegalArgumentException.class,
                () -> new FffMnistExperiment.Settings(new int[] {4}, new int[] {2}, 1, 200, 5e-3, 0.1, 0, -1, 3));
        assertTrue(e.getMessage().contains("hard epochs is -1, must be >= 0"), e.getMessage());
    }
}
