package org.moe4j.infer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.moe4j.run.Checkpoint;
import org.moe4j.model.TransformerLM;
import org.moe4j.run.RunFolder;
import org.moe4j.text.Tokenizer;

/**
 * A trained language model loaded from a run folder: its description, tokenizer and weights. The
 * description's training section stays unparsed JSON (reading it is the train layer's business).
 */
public record TrainedModel(RunFolder run, RunFolder.Description description, Tokenizer tokenizer, TransformerLM model, long step) {

    /** Loads the run's last checkpoint; fails naming what is missing or does not match. */
    public static TrainedModel load(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(folder + " is not a folder (expected a run folder written by moe4j train)");
        }
        RunFolder run = new RunFolder(folder);
        RunFolder.Description d = run.readDescription();
        Tokenizer tok = Tokenizer.load(run.tokenizerFile());
        if (tok.vocabSize() != d.model().vocabSize()) {
            throw new IllegalArgumentException(run.tokenizerFile() + " has " + tok.vocabSize() + " ids but the model's vocabulary is "
                    + d.model().vocabSize());
        }
        if (!Files.isDirectory(run.checkpoint())) {
            throw new IllegalArgumentException(folder + " has no checkpoint yet (train it first, or resume it with moe4j train --resume)");
        }
        TransformerLM lm = new TransformerLM(d.model());
        Checkpoint c = Checkpoint.load(run.checkpoint(), lm.checkpointShapes());
        lm.loadCheckpointState(c.model());
        lm.train(false);
        return new TrainedModel(run, d, tok, lm, c.step());
    }
}
