package org.moe4j.engine.family;

import java.util.List;
import java.util.stream.Collectors;
import org.moe4j.engine.EngineConfigException;
import org.moe4j.engine.HfConfig;

/** The families the engine runs, found by config.json's {@code architectures}. */
public final class Families {
    private static final List<Family> ALL = List.of(new Mixtral(), new Qwen2Moe(), new Qwen3Moe(), new Olmoe(), new Deepseek(),
            new GptOss(), new GraniteMoe(), new DenseLlama());

    private Families() {}

    /** Every supported architecture name. */
    public static List<String> supported() {
        return ALL.stream().flatMap(f -> f.architectures().stream()).toList();
    }

    /** The family of this config; fails listing the supported architectures. */
    public static Family of(HfConfig c) {
        List<?> archs = c.list("architectures");
        if (archs == null || archs.size() != 1) {
            throw new EngineConfigException(c.source() + ": architectures is " + (archs == null ? "missing" : archs)
                    + "; expected one of " + String.join(", ", supported()));
        }
        String arch = String.valueOf(archs.get(0));
        for (Family f : ALL) {
            if (f.architectures().contains(arch)) return f;
        }
        throw new EngineConfigException(c.source() + ": architecture " + arch + " is not supported; supported: "
                + ALL.stream().flatMap(f -> f.architectures().stream()).collect(Collectors.joining(", ")));
    }
}
