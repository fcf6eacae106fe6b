package org.moe4j.cli;

import org.moe4j.infer.SamplingConfig;
import picocli.CommandLine.Option;

/** The sampling options of generate and chat; what is not given comes from the model's generation_config.json. */
final class SamplingOptions {
    @Option(names = "--temperature", description = "0 for greedy (default: generation_config.json's, else greedy for a folder, 0.8 for a run).")
    Double temperature;

    @Option(names = "--top-k", description = "Keep the k most likely tokens (0: all; default: generation_config.json's).")
    Integer topK;

    @Option(names = "--top-p", description = "Nucleus probability mass (default: generation_config.json's).")
    Double topP;

    @Option(names = "--seed", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed = 1;

    /** The options given, the model's defaults for the rest. */
    SamplingConfig over(SamplingConfig defaults) {
        return new SamplingConfig(temperature != null ? temperature : defaults.temperature(), topK != null ? topK : defaults.topK(),
                topP != null ? topP : defaults.topP(), seed);
    }
}
