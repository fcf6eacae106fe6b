package org.moe4j.engine.family;

import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.WeightNames;

/**
 * One model architecture as Hugging Face names it in config.json's {@code architectures}: how its
 * config maps onto a {@link ModelConfig}, and where its weights are. docs/engine.md tells how to add one.
 */
public interface Family {
    /** The {@code architectures} values this family reads, e.g. "MixtralForCausalLM". */
    java.util.List<String> architectures();

    /** The model this config describes; fails naming any key whose value the engine does not implement. */
    ModelConfig config(HfConfig config);

    /** The checkpoint's tensor names. */
    WeightNames weightNames(HfConfig config);
}
