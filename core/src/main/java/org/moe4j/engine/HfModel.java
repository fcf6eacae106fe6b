package org.moe4j.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.moe4j.engine.family.Families;
import org.moe4j.engine.family.Family;
import org.moe4j.io.ModelFolder;

/**
 * A Hugging Face model folder opened for inference: its family, config, mapped weights and engine,
 * and what generation_config.json says (end-of-sequence ids). Close it to unmap the weights.
 */
public final class HfModel implements AutoCloseable {
    private final ModelFolder folder;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final DecoderModel model;
    private final List<Integer> eosIds;
    private final double loadSeconds;

    private HfModel(ModelFolder folder, ModelConfig config, ModelWeights weights, List<Integer> eosIds, double loadSeconds) {
        this.folder = folder;
        this.config = config;
        this.weights = weights;
        this.model = new DecoderModel(config, weights);
        this.eosIds = List.copyOf(eosIds);
        this.loadSeconds = loadSeconds;
    }

    /** Opens and checks the folder; fails with one line naming what is wrong. */
    public static HfModel load(Path path) throws IOException {
        long t0 = System.nanoTime();
        ModelFolder folder = ModelFolder.open(path);
        try {
            HfConfig c = new HfConfig(folder.config(), path.resolve("config.json").toString());
            Family family = Families.of(c);
            ModelConfig config = family.config(c);
            ModelWeights weights = ModelWeights.load(folder, config, family.weightNames(c));
            return new HfModel(folder, config, weights, eos(folder), (System.nanoTime() - t0) / 1e9);
        } catch (IOException | RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    private static List<Integer> eos(ModelFolder folder) {
        Object v = folder.generationConfig().get("eos_token_id");
        if (v == null) v = folder.config().get("eos_token_id");
        List<Integer> out = new ArrayList<>();
        if (v instanceof Number n) out.add(n.intValue());
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Number n) out.add(n.intValue());
            }
        }
        return out;
    }

    public ModelConfig config() {
        return config;
    }

    public DecoderModel model() {
        return model;
    }

    /** The weights as loaded (mapped views in their stored formats). */
    public ModelWeights weights() {
        return weights;
    }

    public ModelFolder folder() {
        return folder;
    }

    /** End-of-sequence ids from generation_config.json (else config.json). */
    public List<Integer> eosIds() {
        return eosIds;
    }

    public double loadSeconds() {
        return loadSeconds;
    }

    @Override
    public void close() {
        weights.close();
        folder.close();
    }
}
