package org.moe4j.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.moe4j.tensor.Tensor;

/**
 * A Hugging Face model folder as {@code save_pretrained} writes it: {@code config.json},
 * {@code generation_config.json} (optional), and the weights in {@code model.safetensors} or in shards
 * {@code model-0000N-of-0000M.safetensors} listed by {@code model.safetensors.index.json}. Every weight
 * file is memory-mapped and checked when the folder opens; a tensor is looked up by name across the
 * shards. Closing the folder unmaps them.
 */
public final class ModelFolder implements AutoCloseable, TensorSource {
    public static final String INDEX = "model.safetensors.index.json";
    public static final String SINGLE = "model.safetensors";

    private final Path path;
    private final Map<String, Object> config;
    private final Map<String, Object> generationConfig;
    private final List<SafeTensorsFile> files;
    private final Map<String, SafeTensorsFile> byTensor;

    private ModelFolder(Path path, Map<String, Object> config, Map<String, Object> generationConfig,
            List<SafeTensorsFile> files, Map<String, SafeTensorsFile> byTensor) {
        this.path = path;
        this.config = config;
        this.generationConfig = generationConfig;
        this.files = files;
        this.byTensor = byTensor;
    }

    /** True if {@code path} looks like a Hugging Face model folder (it has a config.json). */
    public static boolean isModelFolder(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve("config.json"));
    }

    /** Opens the folder; fails with one line naming the missing, truncated or inconsistent file. */
    public static ModelFolder open(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            throw new FileFormatException(path + ": not a folder (a Hugging Face model folder holds config.json and *.safetensors)");
        }
        Map<String, Object> config = readObject(path.resolve("config.json"), true);
        Map<String, Object> generation = readObject(path.resolve("generation_config.json"), false);
        List<SafeTensorsFile> files = new ArrayList<>();
        Map<String, SafeTensorsFile> byTensor = new LinkedHashMap<>();
        try {
            Path index = path.resolve(INDEX);
            if (Files.isRegularFile(index)) {
                openShards(path, index, files, byTensor);
            } else if (Files.isRegularFile(path.resolve(SINGLE))) {
                SafeTensorsFile f = SafeTensorsFile.open(path.resolve(SINGLE));
                files.add(f);
                for (String name : f.names()) byTensor.put(name, f);
            } else {
                throw new FileFormatException(path + ": no weights: neither " + SINGLE + " nor " + INDEX + " is there");
            }
        } catch (IOException | RuntimeException e) {
            files.forEach(SafeTensorsFile::close);
            throw e;
        }
        return new ModelFolder(path, config, generation, List.copyOf(files), byTensor);
    }

    private static void openShards(Path folder, Path index, List<SafeTensorsFile> files, Map<String, SafeTensorsFile> byTensor)
            throws IOException {
        Map<String, Object> json = readObject(index, true);
        if (!(json.get("weight_map") instanceof Map<?, ?> weightMap) || weightMap.isEmpty()) {
            throw new FileFormatException(index + ": no \"weight_map\" object (tensor name -> shard file)");
        }
        Map<String, SafeTensorsFile> shards = new LinkedHashMap<>();
        for (Object shardName : new TreeSet<>(weightMap.values().stream().map(String::valueOf).toList())) {
            String name = (String) shardName;
            Path shard = folder.resolve(name).normalize();
            if (!shard.startsWith(folder.normalize()) || name.contains("/")) {
                throw new FileFormatException(index + ": shard " + Json.quoteForMessage(name) + " is not a file name in the folder");
            }
            if (!Files.isRegularFile(shard)) {
                throw new FileFormatException(index + " names shard " + Json.quoteForMessage(name) + ", which is not in " + folder);
            }
            SafeTensorsFile f = SafeTensorsFile.open(shard);
            files.add(f);
            shards.put(name, f);
        }
        for (var e : weightMap.entrySet()) {
            String tensor = String.valueOf(e.getKey());
            SafeTensorsFile f = shards.get(String.valueOf(e.getValue()));
            if (!f.contains(tensor)) {
                throw new FileFormatException(index + " places tensor " + Json.quoteForMessage(tensor) + " in "
                        + e.getValue() + ", which does not hold it");
            }
            byTensor.put(tensor, f);
        }
    }

    private static Map<String, Object> readObject(Path file, boolean required) throws IOException {
        if (!Files.isRegularFile(file)) {
            if (required) throw new FileFormatException(file + ": missing");
            return Map.of();
        }
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new FileFormatException(file + ": not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> m)) {
            throw new FileFormatException(file + ": expected a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) m;
        return typed;
    }

    public Path path() {
        return path;
    }

    /** config.json as parsed JSON. */
    public Map<String, Object> config() {
        return config;
    }

    /** generation_config.json as parsed JSON, empty if the folder has none. */
    public Map<String, Object> generationConfig() {
        return generationConfig;
    }

    /** Every tensor name, across shards. */
    public java.util.Set<String> tensorNames() {
        return byTensor.keySet();
    }

    @Override
    public String location() {
        return path.toString();
    }

    @Override
    public MemorySegment bytes(String tensor) {
        return file(tensor).bytes(tensor);
    }

    @Override
    public Tensor floats(String tensor) {
        return file(tensor).floats(tensor);
    }

    @Override
    public boolean has(String tensor) {
        return byTensor.containsKey(tensor);
    }

    /** The entry of a tensor; fails naming the tensor and the folder if no shard holds it. */
    @Override
    public TensorInfo info(String tensor) {
        SafeTensorsFile f = byTensor.get(tensor);
        if (f == null) {
            throw new IllegalArgumentException(path + ": the weights have no tensor " + Json.quoteForMessage(tensor));
        }
        return f.info(tensor);
    }

    /** The file that holds a tensor. */
    public SafeTensorsFile file(String tensor) {
        info(tensor);
        return byTensor.get(tensor);
    }

    /** Bytes of all weight files. */
    public long weightBytes() {
        return files.stream().mapToLong(SafeTensorsFile::fileSize).sum();
    }

    public List<SafeTensorsFile> files() {
        return files;
    }

    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
