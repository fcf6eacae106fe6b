package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.engine.ExpertResidency.LayerStats;

/** /metrics shows the experts kept in RAM per layer, their lookups, hits and hit rate, when the server keeps some. */
class ExpertMetricsTest {
    @Test
    void perLayerExpertHitsAreInTheMetrics() {
        ServerMetrics m = new ServerMetrics();
        assertFalse(m.render().contains("moe4j_expert_hit_rate"), "nothing without --experts-in-ram");
        m.expertResidency(() -> List.of(new LayerStats(0, 80, 60, 4), new LayerStats(3, 80, 20, 4)));
        String text = m.render();
        assertTrue(text.contains("# TYPE moe4j_expert_hit_rate gauge\n"), text);
        assertTrue(text.contains("moe4j_experts_in_ram{layer=\"3\"} 4\n"), text);
        assertTrue(text.contains("moe4j_expert_lookups_total{layer=\"0\"} 80\n"), text);
        assertTrue(text.contains("moe4j_expert_hits_total{layer=\"3\"} 20\n"), text);
        assertTrue(text.contains("moe4j_expert_hit_rate{layer=\"0\"} 0.75\n"), text);
    }
}
