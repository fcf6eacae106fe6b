package org.moe4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.moe4j.io.AtomicFiles;
import org.moe4j.io.DType;
import org.moe4j.io.HalfPrecision;
import org.moe4j.io.Json;
import org.moe4j.io.ShardedSafeTensorsWriter;
import org.moe4j.io.ShardedSafeTensorsWriter.Spec;

/**
 * {@code moe4j make-random-model}: a Hugging Face model folder with the real shapes and tensor names of
 * a public checkpoint and seeded random weights, for benchmarks that need the real sizes (a 12.9 GiB
 * OLMoE) without downloading them. Written tensor by tensor in chunks, so the model is never held in
 * memory. The folder holds config.json (the given one with the layer count and dtype adjusted),
 * generation_config.json, and the weights in shards of at most 5 GB with their index.
 *
 * <p>Tensor names and shapes follow the Hub checkpoints of each family (experts stored one by one:
 * {@code model.layers.L.mlp.experts.E.gate_proj.weight}); see {@link CheckpointLayout}. Weights are
 * like a trained model's in scale, so activations stay finite through every layer: matrices and
 * embeddings have mean 0 and standard deviation {@code initializer_range} (0.02), norm weights are
 * 1 plus the same noise. The noise is the sum of four uniform variables scaled to unit variance
 * (Irwin-Hall: bell-shaped, bounded at 3.46 standard deviations), from a generator seeded by the seed
 * and the tensor's name, so a tensor's values do not depend on the layer count or the shard layout.
 */
public final class RandomCheckpoint {
    /** The largest shard transformers writes by default ("5GB"). */
    public static final long MAX_SHARD_BYTES = 5_000_000_000L;

    /**
     * What to write: {@code layers} replaces num_hidden_layers when positive (0: keep the config's);
     * {@code dtype} is F32, F16 or BF16.
     */
    public record Settings(Path config, Path out, int layers, DType dtype, long seed, long maxShardBytes) {
        public Settings {
            if (layers < 0) {
                throw new IllegalArgumentException("--layers is " + layers + ", must be >= 1 (or absent: the config's count)");
            }
            if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
                throw new IllegalArgumentException("--dtype is " + dtype + ", must be one of f32, f16, bf16");
            }
            if (maxShardBytes < 1) {
                throw new IllegalArgumentException("maxShardBytes is " + maxShardBytes + ", must be >= 1");
            }
        }
    }

    /** What was written. */
    public record Result(int layers, long parameters, long bytes, int shards) {}

    private RandomCheckpoint() {}

    /** Writes the folder; {@code progress} receives one line per shard. */
    public static Result write(Settings s, Consumer<String> progress) throws IOException {
        Map<String, Object> config = readConfig(s.config());
        if (s.layers() > 0) {
            config.put("num_hidden_layers", s.layers());
        }
        String dtypeName = switch (s.dtype()) {
            case F32 -> "float32";
            case F16 -> "float16";
            default -> "bfloat16";
        };
        config.put("torch_dtype", dtypeName);
        if (config.containsKey("dtype")) {
            config.put("dtype", dtypeName);
        }
        CheckpointLayout layout = CheckpointLayout.of(config);
        List<Spec> tensors = layout.tensors(s.dtype());
        long bytes = 0, parameters = 0;
        for (Spec t : tensors) {
            bytes += t.bytes();
            parameters += t.elements();
        }
        prepareFolder(s.out(), bytes);
        AtomicFiles.writeString(s.out().resolve("config.json"), Json.writePretty(config) + "\n");
        AtomicFiles.writeString(s.out().resolve("generation_config.json"), Json.writePretty(generationConfig(config)) + "\n");
        double std = config.get("initializer_range") instanceof Number n ? n.doubleValue() : 0.02;
        Filler filler = new Filler(s.seed(), std, layout);
        List<ShardedSafeTensorsWriter.Shard> planned = ShardedSafeTensorsWriter.plan(tensors, s.maxShardBytes());
        for (ShardedSafeTensorsWriter.Shard shard : planned) {
            progress.accept(String.format(Locale.ROOT, "%s: %d tensors, %.2f GB", shard.file(), shard.tensors().size(),
                    shard.dataBytes() / 1e9));
        }
        ShardedSafeTensorsWriter.write(s.out(), tensors, s.maxShardBytes(), filler);
        return new Result(layout.layers(), parameters, bytes, planned.size());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--config " + file + " is not a file");
        }
        if (!(Json.parse(Files.readAllBytes(file)) instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("--config " + file + " does not hold a JSON object");
        }
        return new LinkedHashMap<>((Map<String, Object>) map);
    }

    /** The out folder must be new or empty, and its disk must have room for the weights plus 1 GB. */
    private static void prepareFolder(Path out, long bytes) throws IOException {
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " exists and is not a folder");
            }
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("--out " + out + " is not empty; give a new or empty folder");
                }
            }
        } else {
            Files.createDirectories(out);
        }
        long free = Files.getFileStore(out).getUsableSpace();
        if (free < bytes + (1L << 30)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "--out %s: the weights need %.2f GB and the disk has %.2f GB free (1 GB is kept spare)", out, bytes / 1e9,
                    free / 1e9));
        }
    }

    /** bos, eos and pad ids of the config, as save_pretrained copies them into generation_config.json. */
    private static Map<String, Object> generationConfig(Map<String, Object> config) {
        Map<String, Object> g = new LinkedHashMap<>();
        for (String key : List.of("bos_token_id", "eos_token_id", "pad_token_id")) {
            if (config.get(key) != null) {
                g.put(key, config.get(key));
            }
        }
        return g;
    }

    /** Each tensor's values, generated in order from a generator seeded by (seed, name). */
    private static final class Filler implements ShardedSafeTensorsWriter.TensorSource {
        private final long seed;
        private final double std;
        private final CheckpointLayout layout;
        private String current;
        private long state;

        Filler(long seed, double std, CheckpointLayout layout) {
            this.seed = seed;
            this.std = std;
            this.layout = layout;
        }

        @Override
        public void fill(Spec t, long offset, ByteBuffer out) {
            if (offset == 0 || !t.name().equals(current)) {
                current = t.name();
                state = seed * 0x9E3779B97F4A7C15L ^ t.name().hashCode() * 0xC2B2AE3D27D4EB4FL;
            }
            double mean = layout.isNorm(t.name()) ? 1.0 : 0.0;
            while (out.hasRemaining()) {
                float v = (float) (mean + std * irwinHall4());
                switch (t.dtype()) {
                    case F32 -> out.putFloat(v);
                    case F16 -> out.putShort(HalfPrecision.floatToF16(v));
                    default -> out.putShort(HalfPrecision.floatToBf16(v));
                }
            }
        }

        /** Four 16-bit uniforms from one SplitMix64 step, summed and scaled to mean 0 and variance 1. */
        private double irwinHall4() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            long sum = (z & 0xFFFF) + (z >>> 16 & 0xFFFF) + (z >>> 32 & 0xFFFF) + (z >>> 48);
            // each (u + 0.5) / 65536 is uniform on (0, 1) with variance ~1/12; four of them: mean 2, variance 1/3
            return ((sum + 2.0) / 65536.0 - 2.0) * Math.sqrt(3.0);
        }
    }

    /** All tensor names of {@code config} in writing order, with their shapes (for tests and the command's summary). */
    public static List<Spec> tensors(Map<String, Object> config, DType dtype) {
        return CheckpointLayout.of(new LinkedHashMap<>(config)).tensors(dtype);
    }
}
