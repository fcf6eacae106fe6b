package org.moe4j.model;

import java.util.Arrays;
import java.util.List;

/**
 * The routers a {@link MoeSpec} block can have, by the name run.json and {@code --router} use
 * (formulas and papers: docs/routing.md).
 */
public enum RouterKind {
    /** Softmax over the experts, top-k, renormalised (Mixtral). */
    SOFTMAX("softmax"),
    /** Top-1 with gate p_argmax (Switch Transformers); needs top_k 1. */
    SWITCH("switch"),
    /** Noisy top-k gating (Shazeer et al. 2017). */
    NOISY("noisy"),
    /** Sigmoid scores with a selection-only bias that moves against the load (DeepSeek-V3). */
    SIGMOID("sigmoid");

    private final String jsonName;

    RouterKind(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name in run.json and on the command line. */
    public String jsonName() {
        return jsonName;
    }

    /** Every name, in declaration order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(RouterKind::jsonName).toList();
    }

    /** The kind named {@code name}; an unknown name fails naming the allowed ones. */
    public static RouterKind parse(String name) {
        for (RouterKind k : values()) {
            if (k.jsonName.equals(name)) return k;
        }
        throw new IllegalArgumentException("moe: router is \"" + name + "\", allowed " + names());
    }

    @Override
    public String toString() {
        return jsonName;
    }
}
