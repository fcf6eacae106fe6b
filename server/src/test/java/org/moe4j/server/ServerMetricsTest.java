package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {
    @Test
    void histogramBucketsAreCumulativeWithSumAndCount() {
        Histogram h = new Histogram(1, 2, 4);
        for (double v : new double[] {0.5, 1, 1.5, 3, 10}) h.observe(v);
        StringBuilder out = new StringBuilder();
        h.write(out, "x");
        assertEquals(String.join("\n", "x_bucket{le=\"1\"} 2", "x_bucket{le=\"2\"} 3", "x_bucket{le=\"4\"} 4",
                "x_bucket{le=\"+Inf\"} 5", "x_sum 16", "x_count 5", ""), out.toString());
        assertThrows(IllegalArgumentException.class, () -> new Histogram(2, 1));
    }

    @Test
    void stepsAddUpTokensBatchSizesAndExpertLoadsPerLayer() {
        ServerMetrics m = new ServerMetrics();
        m.step(3, 10, 3, 0.004, Arrays.asList(new int[] {4, 2, 0, 8}, null));
        m.step(2, 0, 2, 0.002, Arrays.asList(new int[] {1, 1, 1, 1}, null));
        m.admitted(40, 32, 0.003);
        m.admitted(40, 0, -1);
        m.request(200, 0.2);
        m.request(400, -1);
        m.request(400, -1);
        String text = m.render();
        List<String> lines = List.of(text.split("\n"));
        assertTrue(lines.contains("moe4j_expert_tokens_total{layer=\"0\",expert=\"0\"} 5"), text);
        assertTrue(lines.contains("moe4j_expert_tokens_total{layer=\"0\",expert=\"3\"} 9"), text);
        assertTrue(lines.stream().noneMatch(l -> l.contains("layer=\"1\"")), text);
        assertTrue(lines.contains("moe4j_prompt_tokens_total 10"), text);
        assertTrue(lines.contains("moe4j_generated_tokens_total 5"), text);
        assertTrue(lines.contains("moe4j_generated_tokens_per_second 0.5"), "5 tokens in the 10 s window: " + text);
        assertTrue(lines.contains("moe4j_batch_size_sum 5"), text);
        assertTrue(lines.contains("moe4j_step_duration_seconds_sum 0.006"), text);
        assertTrue(lines.contains("moe4j_step_duration_seconds_bucket{le=\"0.0025\"} 1"), text);
        assertTrue(lines.contains("moe4j_queue_wait_seconds_count 1"), "a resumed job's wait is not counted: " + text);
        assertTrue(lines.contains("moe4j_queue_wait_seconds_sum 0.003"), text);
        assertTrue(lines.contains("moe4j_requests_total{status=\"400\"} 2"), text);
        assertTrue(lines.contains("moe4j_request_duration_seconds_count 1"), text);
        for (String line : lines) {
            assertTrue(line.startsWith("# HELP ") || line.startsWith("# TYPE ") || line.matches("[a-z_0-9]+(\\{.*\\})? -?[0-9.E+-]+"), line);
        }
    }
}
