package org.moe4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterKindTest {
    @Test
    void namesRoundTripAndAnUnknownNameListsTheAllowedOnes() {
        assertEquals(List.of("softmax", "switch", "noisy", "sigmoid"), RouterKind.names());
        for (RouterKind k : RouterKind.values()) assertSame(k, RouterKind.parse(k.jsonName()));
        var e = assertThrows(IllegalArgumentException.class, () -> RouterKind.parse("Softmax"));
        assertEquals("moe: router is \"Softmax\", allowed [softmax, switch, noisy, sigmoid]", e.getMessage());
    }

    @Test
    void withMethodsChangeOneFieldAndKeepTheChecks() {
        MoeSpec base = MoeSpec.mixtral(8, 2, 384);
        MoeSpec changed = base.withRouter(RouterKind.SIGMOID).withCapacityFactor(1.25).withLoadBalancing(0).withZLoss(0.002)
                .withSharedHidden(64);
        assertEquals(new MoeSpec(8, 2, 384, RouterKind.SIGMOID, 1.25, 0, 0.002, 64), changed);
        assertTrue(MoeSpec.mixtral(4, 1, 12).withRouter(RouterKind.SWITCH).withRouterBias(true).routerBias());
        var e = assertThrows(IllegalArgumentException.class, () -> base.withRouter(RouterKind.SWITCH));
        assertEquals("moe: the switch router routes to 1 expert, top_k is 2", e.getMessage());
        var cap = assertThrows(IllegalArgumentException.class, () -> base.withCapacityFactor(-1));
        assertEquals("moe: capacity_factor is -1.0, must be >= 0 (0: dropless)", cap.getMessage());
        // run.json keeps the router's name
        Map<String, Object> json = changed.toJson();
        assertEquals("sigmoid", json.get("router"));
        assertEquals(changed, FeedForwardSpec.fromJson(json));
    }
}
