package org.moe4j.server;

import java.io.IOException;
import java.nio.file.Path;
import org.moe4j.infer.TrainedModel;
import org.moe4j.model.TransformerLM;
import org.moe4j.text.Tokenizer;

/** The model a server answers with: its public name, weights (in inference mode) and tokenizer. */
public record ServedModel(String name, TransformerLM model, Tokenizer tokenizer) {
    public ServedModel {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("served model: the name is empty");
        if (tokenizer.vocabSize() != model.config().vocabSize()) {
            throw new IllegalArgumentException("served model: the tokenizer has " + tokenizer.vocabSize() + " ids, the model "
                    + model.config().vocabSize());
        }
        model.train(false);
    }

    /** The last checkpoint of a run folder written by moe4j train, named after the folder. */
    public static ServedModel load(Path run) throws IOException {
        TrainedModel m = TrainedModel.load(run);
        Path name = run.toAbsolutePath().normalize().getFileName();
        return new ServedModel(name == null ? "moe4j" : name.toString(), m.model(), m.tokenizer());
    }

    public int contextLength() {
        return model.config().contextLength();
    }
}
