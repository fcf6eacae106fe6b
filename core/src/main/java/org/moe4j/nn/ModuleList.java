package org.moe4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Sub-modules named 0, 1, 2, ... in order, as PyTorch's nn.ModuleList (hence model.layers.3.…). */
public final class ModuleList<M extends Module> extends Module {
    private final List<M> items = new ArrayList<>();

    public M add(M module) {
        addModule(Integer.toString(items.size()), module);
        items.add(module);
        return module;
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public List<M> items() {
        return Collections.unmodifiableList(items);
    }
}
