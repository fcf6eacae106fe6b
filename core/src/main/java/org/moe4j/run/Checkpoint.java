package org.moe4j.run;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.io.AtomicFiles;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.Json;
import org.moe4j.io.JsonException;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.SafeTensorsWriter;
import org.moe4j.io.StreamedTensor;
import org.moe4j.io.TensorInfo;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * A training checkpoint: one folder holding
 * <ul>
 *   <li>{@code model.safetensors}: the weights (F32, metadata {"format": "pt"} so PyTorch tools load it),
 *   <li>{@code optimizer.safetensors}: the optimizer's state tensors,
 *   <li>{@code config.json}: the model/training configuration, any JSON value,
 *   <li>{@code state.json}: the step and the RNG state.
 * </ul>
 * {@link #save} writes the folder atomically (see {@link AtomicFiles#writeFolder}): a failure or a
 * crash leaves the previous checkpoint whole. {@link #load} with expected shapes checks the headers
 * before reading any data, so a checkpoint of another model fails at once naming the tensor.
 *
 * @param step      training steps taken
 * @param config    JSON value (as {@link Json} parses it) describing the run
 * @param model     weights by name
 * @param optimizer optimizer state by name (for example "w.exp_avg")
 * @param rngState  the training RNG's state words ({@link org.moe4j.tensor.Rng#state()})
 */
public record Checkpoint(long step, Object config, Map<String, Tensor> model, Map<String, Tensor> optimizer, long[] rngState) {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String CONFIG_FILE = "config.json";
    public static final String STATE_FILE = "state.json";
    private static final String FORMAT = "moe4j-checkpoint";
    private static final long VERSION = 1;

    public Checkpoint {
        if (step < 0) {
            throw new IllegalArgumentException("Checkpoint: step is " + step + ", must be >= 0");
        }
        model = Collections.unmodifiableMap(new LinkedHashMap<>(model));
        optimizer = Collections.unmodifiableMap(new LinkedHashMap<>(optimizer));
        rngState = rngState.clone();
    }

    @Override
    public long[] rngState() {
        return rngState.clone();
    }

    /** Writes {@code checkpoint} as the folder {@code folder}, replacing an existing one atomically. */
    public static void save(Path folder, Checkpoint checkpoint) throws IOException {
        save(folder, checkpoint, Map.of(), Map.of());
    }

    /**
     * As {@link #save(Path, Checkpoint)}, with more weights and optimizer tensors whose values are
     * produced as the files are written ({@code streamedModel}, {@code streamedOptimizer}: the
     * experts other ranks hold), so the writer never holds them all; the files are the ones the same
     * values given as tensors produce, byte for byte. A name in both a map and the checkpoint is refused.
     */
    public static void save(Path folder, Checkpoint checkpoint, Map<String, StreamedTensor> streamedModel,
                            Map<String, StreamedTensor> streamedOptimizer) throws IOException {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("format", FORMAT);
        state.put("version", VERSION);
        state.put("step", checkpoint.step());
        state.put("rng_state", Arrays.stream(checkpoint.rngState).boxed().toList());
        SafeTensorsWriter model = SafeTensors.writer().metadata("format", "pt");
        checkpoint.model().forEach(model::add);
        streamedModel.forEach(model::add);
        SafeTensorsWriter optimizer = SafeTensors.writer();
        checkpoint.optimizer().forEach(optimizer::add);
        streamedOptimizer.forEach(optimizer::add);
        AtomicFiles.writeFolder(folder, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp.resolve(MODEL_FILE))) {
                model.writeTo(out);
            }
            try (OutputStream out = Files.newOutputStream(tmp.resolve(OPTIMIZER_FILE))) {
                optimizer.writeTo(out);
            }
            Files.writeString(tmp.resolve(CONFIG_FILE), Json.writePretty(checkpoint.config()) + "\n", StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve(STATE_FILE), Json.writePretty(state) + "\n", StandardCharsets.UTF_8);
        });
    }

    /** Reads a checkpoint folder without checking shapes. */
    public static Checkpoint load(Path folder) throws IOException {
        return load(folder, null);
    }

    /**
     * Reads a checkpoint folder whose weights must have exactly the names and shapes of
     * {@code expectedModel} (in its order: the first missing or mismatching tensor is named, then
     * the first extra one); {@code null} skips the check. A replacement cut short by a crash is
     * undone first ({@link AtomicFiles#recoverInterruptedReplace}), so the previous checkpoint loads.
     */
    public static Checkpoint load(Path folder, Map<String, int[]> expectedModel) throws IOException {
        AtomicFiles.recoverInterruptedReplace(folder);
        if (!Files.isDirectory(folder)) {
            throw new FileFormatException(folder + ": no checkpoint folder here");
        }
        Map<String, Object> state = readState(folder.resolve(STATE_FILE));
        Object config = readJson(folder.resolve(CONFIG_FILE));
        Map<String, Tensor> model;
        try (SafeTensorsFile f = SafeTensors.open(folder.resolve(MODEL_FILE))) {
            if (expectedModel != null) {
                requireShapes(folder + " " + MODEL_FILE, expectedModel, f);
            }
            model = readAll(f);
        }
        Map<String, Tensor> optimizer;
        try (SafeTensorsFile f = SafeTensors.open(folder.resolve(OPTIMIZER_FILE))) {
            optimizer = readAll(f);
        }
        long step = (Long) state.get("step");
        long[] rng = ((List<?>) state.get("rng_state")).stream().mapToLong(x -> (Long) x).toArray();
        return new Checkpoint(step, config, model, optimizer, rng);
    }

    /**
     * The weights of a checkpoint folder alone, checked against {@code expectedModel} as
     * {@link #load(Path, Map)} checks them; the optimizer state (twice the weights' size under
     * AdamW) is not read, for a process that only runs the model.
     */
    public static Map<String, Tensor> loadWeights(Path folder, Map<String, int[]> expectedModel) throws IOException {
        AtomicFiles.recoverInterruptedReplace(folder);
        if (!Files.isDirectory(folder)) {
            throw new FileFormatException(folder + ": no checkpoint folder here");
        }
        try (SafeTensorsFile f = SafeTensors.open(folder.resolve(MODEL_FILE))) {
            requireShapes(folder + " " + MODEL_FILE, expectedModel, f);
            return readAll(f);
        }
    }

    /**
     * Fails unless {@code file} holds exactly the tensors of {@code expected} with those shapes,
     * naming the first missing or mismatching tensor (in {@code expected}'s order) and both shapes,
     * or else the first tensor that is not expected.
     */
    public static void requireShapes(String what, Map<String, int[]> expected, SafeTensorsFile file) {
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            if (!file.contains(e.getKey())) {
                throw new IllegalArgumentException(what + ": tensor " + Json.quoteForMessage(e.getKey())
                        + " of shape " + Shape.str(e.getValue()) + " is missing");
            }
            TensorInfo t = file.info(e.getKey());
            long[] want = Arrays.stream(e.getValue()).asLongStream().toArray();
            if (!Arrays.equals(t.shape(), want)) {
                throw new IllegalArgumentException(what + ": tensor " + Json.quoteForMessage(e.getKey()) + " has shape "
                        + t.shapeString() + " but the model expects " + Shape.str(e.getValue())
                        + " (a checkpoint of a different model shape?)");
            }
        }
        for (String name : file.names()) {
            if (!expected.containsKey(name)) {
                TensorInfo t = file.info(name);
                throw new IllegalArgumentException(what + ": tensor " + Json.quoteForMessage(name) + " of shape "
                        + t.shapeString() + " is not part of the model");
            }
        }
    }

    private static Map<String, Tensor> readAll(SafeTensorsFile f) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : f.names()) {
            out.put(name, f.floats(name));
        }
        return out;
    }

    private static Map<String, Object> readState(Path file) throws IOException {
        Object parsed = readJson(file);
        if (!(parsed instanceof Map<?, ?> raw)) {
            throw new FileFormatException(file + ": must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) raw;
        if (!FORMAT.equals(state.get("format")) || !Long.valueOf(VERSION).equals(state.get("version"))) {
            throw new FileFormatException(file + ": format " + state.get("format") + " version " + state.get("version")
                    + " is not " + FORMAT + " version " + VERSION);
        }
        if (!(state.get("step") instanceof Long step) || step < 0) {
            throw new FileFormatException(file + ": \"step\" must be an integer >= 0, found " + state.get("step"));
        }
        if (!(state.get("rng_state") instanceof List<?> rng) || !rng.stream().allMatch(x -> x instanceof Long)) {
            throw new FileFormatException(file + ": \"rng_state\" must be an array of integers");
        }
        return state;
    }

    private static Object readJson(Path file) throws IOException {
        try {
            return Json.parse(Files.readAllBytes(file));
        } catch (JsonException e) {
            throw new FileFormatException(file + ": " + e.getMessage());
        }
    }
}
