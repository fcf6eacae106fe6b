package org.moe4j.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.Json;
import org.moe4j.moe.MoeDiagnostics;
import org.moe4j.moe.hierarchical.HierarchicalMoeLayer;

/**
 * The metrics.jsonl line of a step: the lines below were written by `moe4j train` (one layer of a
 * MoE, hierarchical, dense and FFF model at step 4) when each layer still reported a string-keyed
 * map; reading them as records and writing them again must give the same bytes.
 */
class StepMetricsTest {
    static final String MOE = "{\"step\":4,\"loss\":4.5316009521484375,\"lm_loss\":4.513997554779053,\"grad_norm\":4.647799148772094,"
            + "\"lr\":0.002,\"tokens_per_second\":811.7429165537413,\"elapsed_seconds\":0.939412726,\"aux\":{\"moe\":0.01760331355035305},"
            + "\"layers\":[{\"tokens_per_expert\":[0,32,29,3],\"routed_per_expert\":[0,32,29,3],\"dropped_fraction\":0.0,"
            + "\"load_cv\":0.9110862335695782,\"max_over_mean_load\":2.0,\"routing_entropy\":1.1990202212359247,"
            + "\"mean_top_probability\":0.44538688380271196,\"z_loss\":2.6201447015306494}],\"val_loss\":4.173974514007568}";
    static final String HIERARCHICAL = "{\"step\":4,\"loss\":4.559860706329346,\"lm_loss\":4.541038513183594,\"grad_norm\":6.557772689816074,"
            + "\"lr\":0.002,\"tokens_per_second\":733.7774811991877,\"elapsed_seconds\":1.234577099,\"aux\":{\"moe\":0.018822170794010162},"
            + "\"layers\":[{\"tokens_per_expert\":[13,19,1,31],\"load_cv\":0.676040864149498}],\"val_loss\":4.587474346160889}";
    static final String DENSE = "{\"step\":4,\"loss\":4.4236626625061035,\"lm_loss\":4.4236626625061035,\"grad_norm\":5.501459497705874,"
            + "\"lr\":0.002,\"tokens_per_second\":485.31851583106726,\"elapsed_seconds\":1.132895757,\"val_loss\":4.425725936889648}";
    static final String FFF_NO_VALIDATION = "{\"step\":3,\"loss\":4.519001483917236,\"lm_loss\":4.473787784576416,"
            + "\"grad_norm\":7.253765615818179,\"lr\":0.002,\"tokens_per_second\":112.55755225931075,\"elapsed_seconds\":2.434750347,"
            + "\"aux\":{\"fff_hardening\":0.04521363973617554}}";

    static StepMetrics read(String line) {
        return StepMetrics.fromJson((Map<?, ?>) Json.parse(line), "line");
    }

    @Test
    void linesReadAsRecordsAndWriteBackByteForByte() {
        for (String line : List.of(MOE, HIERARCHICAL, DENSE, FFF_NO_VALIDATION)) {
            assertEquals(line, Json.write(read(line).toJson()));
        }
    }

    @Test
    void layersAreTyped() {
        StepMetrics moe = read(MOE);
        MoeDiagnostics d = assertInstanceOf(MoeDiagnostics.class, moe.layers().getFirst());
        assertArrayEquals(new int[] {0, 32, 29, 3}, d.routedPerExpert());
        assertEquals(2.0, d.maxOverMeanLoad());
        assertEquals(0.9110862335695782, moe.meanLoadCv());
        assertEquals(0.01760331355035305, moe.aux().get("moe"));
        assertTrue(moe.validated());
        var load = assertInstanceOf(HierarchicalMoeLayer.ExpertLoad.class, read(HIERARCHICAL).layers().getFirst());
        assertArrayEquals(new int[] {13, 19, 1, 31}, load.tokensPerExpert());
        assertEquals(List.of(), read(DENSE).layers());
        assertTrue(Double.isNaN(read(DENSE).meanLoadCv()), "no expert, no load");
        assertFalse(read(FFF_NO_VALIDATION).validated());
    }

    @Test
    void aBlockWithoutExpertsNextToAMoeIsAnEmptyObject() {
        StepMetrics two = new StepMetrics(1, 1.5, 1.25, 2.0, 1e-3, 100.0, 0.5, Map.of(),
                java.util.Arrays.asList(null, new HierarchicalMoeLayer.ExpertLoad(new int[] {2, 2}, 0.0)), Double.NaN);
        assertEquals("{\"step\":1,\"loss\":1.5,\"lm_loss\":1.25,\"grad_norm\":2.0,\"lr\":0.001,\"tokens_per_second\":100.0,"
                + "\"elapsed_seconds\":0.5,\"layers\":[{},{\"tokens_per_expert\":[2,2],\"load_cv\":0.0}]}", Json.write(two.toJson()));
        assertEquals(Json.write(two.toJson()), Json.write(read(Json.write(two.toJson())).toJson()));
    }

    @Test
    void theLogWritesOneLinePerStepAndDropsStepsPastAResume(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = new MetricsLog(file)) {
            log.write(read(FFF_NO_VALIDATION));
            log.write(read(MOE));
        }
        assertEquals(FFF_NO_VALIDATION + "\n" + MOE + "\n", Files.readString(file));
        MetricsLog.truncateAfter(file, 3);
        assertEquals(FFF_NO_VALIDATION + "\n", Files.readString(file));
        assertEquals(3, MetricsLog.read(file).getFirst().step());
    }

    @Test
    void badLinesAreNamed() {
        var missing = assertThrows(IllegalArgumentException.class, () -> read("{\"step\":1,\"loss\":1.0}"));
        assertEquals("line: field \"lm_loss\" is missing", missing.getMessage());
        var badCount = assertThrows(IllegalArgumentException.class, () -> read(DENSE.replace("}", ",\"layers\":[{\"tokens_per_expert\":[1.5],\"load_cv\":0.0}]}")));
        assertEquals("line.layers[0].tokens_per_expert[0] must be an integer", badCount.getMessage());
        var step = assertThrows(IllegalArgumentException.class, () -> read(DENSE.replace("\"step\":4", "\"step\":0")));
        assertEquals("StepMetrics: step is 0, must be >= 1", step.getMessage());
    }
}
