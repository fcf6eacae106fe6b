package org.moe4j.hrme;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.SafeTensorsWriter;

class HrmeFileTest {
    @TempDir
    Path dir;

    @Test
    void aSavedModelLoadsWithIdenticalPredictions() throws IOException {
        RegressionData data = HrmeTrainerTest.twoSegments(200, 1);
        for (HrmeConfig config : new HrmeConfig[] {HrmeConfig.defaults().withMinLeafRows(10),
                HrmeConfig.defaults().withDepth(1).withThresholds(4).withEm(2).withSplitEmSteps(0)
                        .withExperts(RoutingClassifier.Kind.MLP, LeafRegressor.Kind.MLP).withMlp(4, 5, 0.01)}) {
            HrmeModel m = HrmeTrainer.train(data, config).model();
            assertTrue(m.leafCount() >= 2, m.toText());
            Path file = dir.resolve(config.router() + ".safetensors");
            HrmeFile.save(m, file);
            HrmeModel back = HrmeFile.load(file, 1);
            assertArrayEquals(m.predictSoft(data.x()), back.predictSoft(data.x()), 0);
            assertArrayEquals(m.predictHard(data.x()), back.predictHard(data.x()), 0);
            assertEquals(m.config(), back.config());
            assertEquals(m.describe(), back.describe());
        }
    }

    @Test
    void aModelOfAnotherShapeIsRefusedByName() throws IOException {
        HrmeModel m = HrmeTrainer.train(HrmeTrainerTest.twoSegments(200, 1), HrmeConfig.defaults()).model();
        Path file = dir.resolve("m.safetensors");
        HrmeFile.save(m, file);
        var e = assertThrows(FileFormatException.class, () -> HrmeFile.load(file, 3));
        assertTrue(e.getMessage().contains("takes 1 features, expected 3"), e.getMessage());

        // a file whose root leaf holds 3 numbers where a 1-feature linear leaf has 2
        Path bad = dir.resolve("bad.safetensors");
        new SafeTensorsWriter().addDoubles("standardizer.mean", new double[] {0}, 1)
                .addDoubles("standardizer.scale", new double[] {1}, 1).addDoubles("nodes.1.leaf", new double[] {1, 2, 3}, 3)
                .metadata("format", HrmeFile.FORMAT).metadata("version", HrmeFile.VERSION)
                .metadata("config", org.moe4j.io.Json.write(HrmeFile.configJson(HrmeConfig.defaults())))
                .metadata("tree", "{\"id\": 1, \"depth\": 0, \"grown_rows\": 5, \"variance\": 1.0}").write(bad);
        e = assertThrows(FileFormatException.class, () -> HrmeFile.load(bad));
        assertTrue(e.getMessage().contains("tensor nodes.1.leaf [3]: linear leaf: 3 parameters, expected 2 (intercept + 1 features)"),
                e.getMessage());

        Path other = dir.resolve("other.safetensors");
        new SafeTensorsWriter().addDoubles("w", new double[] {1}, 1).metadata("format", "moe4j-run").write(other);
        e = assertThrows(FileFormatException.class, () -> HrmeFile.load(other));
        assertTrue(e.getMessage().contains("format is moe4j-run, expected moe4j-hrme"), e.getMessage());
    }
}
