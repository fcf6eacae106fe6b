package org.moe4j.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.moe4j.engine.DecoderModel;
import org.moe4j.infer.OpenModel;
import org.moe4j.infer.RunEngine;
import org.moe4j.io.ModelFolder;
import org.moe4j.model.TransformerLM;
import org.moe4j.text.Tokenizer;
import org.moe4j.text.hf.HfTokenizer;

/**
 * The model a server answers with: its public name, the inference engine, the tokenizer, the
 * positions a sequence holds, the ids that end a completion, and its chat format (null for a model
 * without a chat template, which serves /v1/completions only).
 */
public record ServedModel(String name, DecoderModel model, Tokenizer tokenizer, int contextLength, Set<Integer> stopIds,
        ChatFormat chat, AutoCloseable resources) implements AutoCloseable {
    public ServedModel {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("served model: the name is empty");
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException("served model: the tokenizer has " + tokenizer.vocabSize() + " ids, the model "
                    + model.config().vocabSize());
        }
        stopIds = Set.copyOf(stopIds);
    }

    /** A model without a chat template. */
    public ServedModel(String name, DecoderModel model, Tokenizer tokenizer, int contextLength, Set<Integer> stopIds, AutoCloseable resources) {
        this(name, model, tokenizer, contextLength, stopIds, null, resources);
    }

    /**
     * A Hugging Face model folder (with its chat template when it has one) or a run folder of moe4j
     * train, named after the folder; context 0: the model's (capped).
     */
    public static ServedModel load(Path path, int context) throws IOException {
        OpenModel m = OpenModel.open(path, context);
        try {
            ChatFormat chat = ModelFolder.isModelFolder(path) || org.moe4j.io.gguf.GgufFile.isGguf(path) ? ChatFormat.load(path, m.tokenizer()) : null;
            return new ServedModel(m.name(), m.model(), m.tokenizer(), m.contextLength(), m.stopIds(), chat, m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public static ServedModel load(Path path) throws IOException {
        return load(path, 0);
    }

    /** A model built in this process (tests, benchmarks), with its own context length. */
    public static ServedModel of(String name, TransformerLM lm, Tokenizer tokenizer) throws IOException {
        return new ServedModel(name, RunEngine.fromModel(lm), tokenizer, lm.config().contextLength(), Set.of(), () -> {});
    }

    /** Ids of a rendered conversation: the template wrote the special tokens itself, so none are added. */
    int[] encodeChat(String prompt) {
        return tokenizer instanceof HfTokenizer hf ? hf.encode(prompt, false) : tokenizer.encode(prompt);
    }

    /** Whether /v1/chat/completions can serve this model. */
    public boolean hasChatTemplate() {
        return chat != null;
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
