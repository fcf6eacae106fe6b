package org.moe4j.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.tensor.Tensor;

/**
 * Hugging Face safetensors files: the one entry point for reading ({@link #open}, {@link #readFloats})
 * and writing ({@link #writer}, {@link #write}). Files written here load in PyTorch with
 * {@code safetensors.torch.load_file}, and files from there load here.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** Memory-maps and checks a file; tensors are read on request. Close it when done. */
    public static SafeTensorsFile open(Path path) throws IOException {
        return SafeTensorsFile.open(path);
    }

    /** A writer to add tensors and metadata to. */
    public static SafeTensorsWriter writer() {
        return new SafeTensorsWriter();
    }

    /** Writes float tensors as F32 with metadata, atomically. */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        SafeTensorsWriter w = writer();
        tensors.forEach(w::add);
        metadata.forEach(w::metadata);
        w.write(path);
    }

    /** Reads every tensor of a file as float32 (header order); fails naming a tensor that is not a float type. */
    public static Map<String, Tensor> readFloats(Path path) throws IOException {
        try (SafeTensorsFile f = open(path)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : f.names()) {
                out.put(name, f.floats(name));
            }
            return out;
        }
    }
}
