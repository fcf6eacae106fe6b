package org.moe4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.HfModel;
import org.moe4j.engine.gguf.GgufExport;
import org.moe4j.engine.gguf.QuantType;
import org.moe4j.infer.RunExport;
import org.moe4j.io.ModelFolder;
import org.moe4j.io.gguf.GgufValue;
import org.moe4j.text.gguf.GgufVocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j quantize MODEL_DIR --type q8_0|q4_k_m|q4_0|mxfp4 --out FILE.gguf}: a Hugging Face model
 * folder, or a moe4j run (exported to one first), as a GGUF file llama.cpp runs ({@link GgufExport}),
 * with its tokenizer and chat template when the folder has them.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Write a Hugging Face model folder or a moe4j run as a GGUF file (llama.cpp's names and metadata), "
                + "its matrices quantised as --type says.")
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL_DIR|RUN", description = "a Hugging Face model folder or a run folder of moe4j train")
    Path model;

    @Option(names = "--type", paramLabel = "TYPE", description = "f32, f16, bf16, q8_0, q4_0, q4_k_m or mxfp4 (default: ${DEFAULT-VALUE})")
    String type = "q8_0";

    @Option(names = "--out", required = true, paramLabel = "FILE.gguf", description = "the GGUF file to write (replaced atomically)")
    Path out;

    @Override
    public Integer call() throws IOException {
        QuantType t = QuantType.parse(type);
        if (!Files.isDirectory(model)) throw new IllegalArgumentException(model + " is not a folder (a Hugging Face model folder or a run)");
        long start = System.nanoTime();
        if (ModelFolder.isModelFolder(model)) {
            write(model, t);
        } else {
            Path exported = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".moe4j-export");
            try {
                RunExport.export(model, exported.resolve("model"));
                write(exported.resolve("model"), t);
            } finally {
                try (var files = Files.walk(exported)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s: %s, %.2f GiB in %.1f s%n", out, t.name().toLowerCase(Locale.ROOT),
                Files.size(out) / (double) (1L << 30), (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private void write(Path folder, QuantType t) throws IOException {
        try (HfModel hf = HfModel.load(folder)) {
            HfConfig c = new HfConfig(hf.folder().config(), folder.resolve("config.json").toString());
            String name = folder.toAbsolutePath().normalize().getFileName().toString();
            GgufExport.write(out, hf.config(), hf.weights(), GgufExport.ropeParameters(c), t, name, w -> {
                if (Files.isRegularFile(folder.resolve("tokenizer.json"))) {
                    GgufVocabulary.write(w, folder, hf.config().vocabSize());
                } else {
                    // no vocabulary: llama.cpp then takes token ids only, and the vocabulary size from ARCH.vocab_size
                    w.metadata("tokenizer.ggml.model", GgufValue.string("none"));
                }
            });
        }
    }
}
