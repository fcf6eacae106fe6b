package org.moe4j.infer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.HfModel;
import org.moe4j.engine.gguf.GgufModel;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.text.gguf.GgufVocabulary;
import org.moe4j.io.ModelFolder;
import org.moe4j.run.RunFolder;
import org.moe4j.text.Tokenizer;
import org.moe4j.text.hf.HfTokenizer;

/**
 * A model opened for generation, from a Hugging Face model folder, a GGUF file (its vocabulary from
 * the metadata, greedy by default) or a moe4j run folder: the
 * engine, the tokenizer, the ids that end a completion, the sampling defaults of
 * generation_config.json and the context a sequence gets. Close it to unmap the weights.
 *
 * @param contextLength positions a sequence holds: the model's limit, capped at {@link #DEFAULT_CONTEXT_CAP}
 *                      unless asked otherwise (a 40,960-position KV cache per sequence would take gigabytes)
 */
public record OpenModel(String name, DecoderModel model, Tokenizer tokenizer, Set<Integer> stopIds, SamplingConfig defaults,
        int contextLength, AutoCloseable resources) implements AutoCloseable {
    public static final int DEFAULT_CONTEXT_CAP = 4096;

    /** Opens {@code path}; {@code context} 0 takes the model's own (capped) context. */
    public static OpenModel open(Path path, int context) throws IOException {
        Path normal = path.toAbsolutePath().normalize();
        String name = normal.getFileName() == null ? "moe4j" : normal.getFileName().toString();
        if (GgufFile.isGguf(path)) {
            GgufModel g = GgufModel.load(path);
            try {
                HfTokenizer tok = GgufVocabulary.tokenizer(g.file().metadata());
                Set<Integer> stop = new LinkedHashSet<>(g.eosIds());
                tok.eosTokenId().ifPresent(stop::add);
                String fileName = normal.getFileName().toString();
                return new OpenModel(fileName.endsWith(".gguf") ? fileName.substring(0, fileName.length() - 5) : fileName, g.model(), tok, stop,
                        SamplingConfig.greedy(), context(g.config().maxPositions(), context), g);
            } catch (RuntimeException e) {
                g.close();
                throw e;
            }
        }
        if (ModelFolder.isModelFolder(path)) {
            if (!Files.isRegularFile(path.resolve("tokenizer.json"))) {
                throw new IllegalArgumentException(path + " has no tokenizer.json: a model folder needs its tokenizer to turn text into ids");
            }
            HfModel hf = HfModel.load(path);
            try {
                HfTokenizer tok = HfTokenizer.load(path);
                Set<Integer> stop = new LinkedHashSet<>(hf.eosIds());
                tok.eosTokenId().ifPresent(stop::add);
                int ctx = context(hf.config().maxPositions(), context);
                return new OpenModel(name, hf.model(), tok, stop, defaults(hf.folder().generationConfig()), ctx, hf);
            } catch (IOException | RuntimeException e) {
                hf.close();
                throw e;
            }
        }
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException(path + " is not a folder (expected a Hugging Face model folder or a run folder of moe4j train)");
        }
        RunFolder run = new RunFolder(path);
        RunEngine.Opened opened = RunEngine.open(run);
        Tokenizer tok;
        try {
            tok = Tokenizer.load(run.tokenizerFile());
            if (tok.vocabSize() != opened.config().vocabSize()) {
                throw new IllegalArgumentException(run.tokenizerFile() + " has " + tok.vocabSize() + " ids but the model's vocabulary is "
                        + opened.config().vocabSize());
            }
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        return new OpenModel(name, opened.model(), tok, Set.of(), new SamplingConfig(0.8, 0, 0.95, 1),
                context(opened.config().maxPositions(), context), opened);
    }

    private static int context(int modelLimit, int asked) {
        if (asked < 0) throw new IllegalArgumentException("context is " + asked + ", must be >= 0 (0: the model's own)");
        if (asked > modelLimit) {
            throw new IllegalArgumentException("context is " + asked + ", more than the model's " + modelLimit + " positions");
        }
        return asked > 0 ? asked : Math.min(modelLimit, DEFAULT_CONTEXT_CAP);
    }

    /** generation_config.json's sampling: do_sample, temperature, top_k, top_p (greedy when do_sample is false or absent). */
    static SamplingConfig defaults(Map<String, Object> g) {
        if (!(g.get("do_sample") instanceof Boolean b) || !b) return SamplingConfig.greedy();
        double temperature = g.get("temperature") instanceof Number n ? n.doubleValue() : 1.0;
        int topK = g.get("top_k") instanceof Number n ? n.intValue() : 0;
        double topP = g.get("top_p") instanceof Number n ? n.doubleValue() : 1.0;
        return new SamplingConfig(temperature, topK, topP, 1);
    }

    @Override
    public void close() throws IOException {
        try {
            resources.close();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
