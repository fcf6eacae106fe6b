package org.moe4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.moe4j.infer.RunExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moe4j export RUN --out DIR}: a trained run as a Hugging Face model folder (see {@link RunExport}). */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a trained run as a Hugging Face model folder (config.json, model.safetensors, tokenizer.json) "
                + "that transformers and moe4j load.")
final class ExportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "RUN", description = "a run folder written by moe4j train")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the model folder to write (replaced atomically)")
    Path out;

    @Override
    public Integer call() throws Exception {
        RunExport.export(run, out);
        System.out.println("wrote " + out + " (config.json, model.safetensors, generation_config.json, tokenizer.json, tokenizer_config.json)");
        return 0;
    }
}
