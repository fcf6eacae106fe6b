package org.moe4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The failure text the conformance tests assert empty names each failing tensor with its error and tolerance. */
class ModelCaseFailuresTest {
    @Test
    void onlyFailingLinesAreListedWithTheirErrorAndTolerance() {
        List<ModelCase.Line> lines = List.of(new ModelCase.Line("logits", true, 1e-6, 1e-4, "ok"),
                new ModelCase.Line("router_logits.0", false, 0.5, 1e-4, "at [2, 3]"));
        assertEquals("\n  router_logits.0: max error 0.5 (atol 1.0E-4), at [2, 3]", ModelCase.failures(lines));
        assertEquals("", ModelCase.failures(lines.subList(0, 1)));
    }
}
