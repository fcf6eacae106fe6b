package org.moe4j.engine.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.AttentionSpec;
import org.moe4j.engine.ModelSummary;
import org.moe4j.engine.ModelWeights;
import org.moe4j.engine.Rope;
import org.moe4j.engine.family.Families;
import org.moe4j.engine.family.Family;
import org.moe4j.io.TensorSource;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.io.gguf.GgufMetadata;

/**
 * A GGUF file opened for inference: its metadata mapped onto the Hugging Face family of its
 * architecture ({@link GgufConfig}), its tensors found by llama.cpp's names ({@link GgufNames}) and
 * kept mapped in their stored formats, quantised or not; the experts of a layer stay one mapped 3-D
 * tensor, each expert a view of its rows, so only the experts a token is routed to are read. Close
 * it to unmap the file.
 */
public final class GgufModel implements AutoCloseable {
    private final GgufFile file;
    private final String architecture;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final DecoderModel model;
    private final double loadSeconds;

    private GgufModel(GgufFile file, String architecture, ModelConfig config, ModelWeights weights, double loadSeconds) {
        this.file = file;
        this.architecture = architecture;
        this.config = config;
        this.weights = weights;
        this.model = new DecoderModel(config, weights);
        this.loadSeconds = loadSeconds;
    }

    /** Opens and checks the file; fails with one line naming what is wrong. */
    public static GgufModel load(Path path) throws IOException {
        long t0 = System.nanoTime();
        GgufFile file = GgufFile.open(path);
        try {
            String arch = GgufConfig.architecture(file.metadata());
            HfConfig c = GgufConfig.of(file);
            Family family = Families.of(c);
            ModelConfig config = family.config(c);
            if (GgufConfig.permutesQk(arch)) config = interleavedRope(config);
            TensorSource source = LatentKvSource.applies(file) ? new LatentKvSource(file) : file;
            ModelWeights weights = ModelWeights.load(source, config, GgufNames.of(arch, file.has(GgufNames.FUSED_GATE_UP)));
            return new GgufModel(file, arch, config, weights, (System.nanoTime() - t0) / 1e9);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The config with RoPE on interleaved pairs (see {@link GgufConfig#permutesQk}). */
    static ModelConfig interleavedRope(ModelConfig c) {
        AttentionSpec a = c.attention();
        Rope r = a.rope();
        AttentionSpec b = new AttentionSpec(a.kind(), a.heads(), a.kvHeads(), a.headDim(), a.valueDim(), a.qkvBias(), a.outputBias(),
                a.qkNorm(), a.clipQkv(), a.sinks(), a.scale(), new Rope(r.invFreq(), r.attentionFactor(), true), a.qLoraRank(),
                a.kvLoraRank(), a.ropeDim());
        return new ModelConfig(c.architecture(), c.vocabSize(), c.hiddenSize(), c.normEps(), b, c.layers(), c.tieEmbeddings(), c.scaling(),
                c.maxPositions());
    }

    public GgufFile file() {
        return file;
    }

    /** The file's general.architecture. */
    public String architecture() {
        return architecture;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public DecoderModel model() {
        return model;
    }

    public double loadSeconds() {
        return loadSeconds;
    }

    /** Architecture, sizes, parameters in total and active per token, bytes by ggml type. */
    public ModelSummary summary() {
        long total = 0;
        Map<String, Long> bytes = new TreeMap<>();
        for (var t : file.tensors()) {
            total += t.elementCount();
            bytes.merge(t.type().name(), t.byteSize(), Long::sum);
        }
        return ModelSummary.of(config, total, bytes);
    }

    /** tokenizer.ggml.eos_token_id and, if set, tokenizer.ggml.eot_token_id: the ids that end a completion. */
    public List<Integer> eosIds() {
        GgufMetadata m = file.metadata();
        List<Integer> out = new ArrayList<>();
        for (String key : List.of("tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id")) {
            if (m.has(key) && !out.contains(m.integer(key))) out.add(m.integer(key));
        }
        return out;
    }

    @Override
    public void close() {
        weights.close();
        file.close();
    }
}
