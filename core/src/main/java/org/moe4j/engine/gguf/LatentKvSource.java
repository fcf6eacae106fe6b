package org.moe4j.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.moe4j.io.DType;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.TensorInfo;
import org.moe4j.io.TensorSource;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.tensor.Tensor;
import org.moe4j.tensor.WeightMatrix;

/**
 * A DeepSeek-2 GGUF file as the engine reads it. llama.cpp's converter splits each layer's
 * {@code kv_b_proj} [heads (nope + v), kvLora] into {@code attn_k_b} [heads, kvLora, nope] (each head's
 * key part transposed, for its absorbed attention) and {@code attn_v_b} [heads, v, kvLora]. This source
 * offers the joined {@code blk.N.attn_kv_b.weight} besides the file's own tensors:
 * kv_b[h (nope + v) + i][c] = k_b[h][c][i] for i &lt; nope, and v_b[h][i - nope][c] after, decoded to
 * float32 (the matrix is small: heads x (nope + v) x kvLora).
 */
final class LatentKvSource implements TensorSource {
    private final GgufFile file;
    private final Map<String, Tensor> joined = new ConcurrentHashMap<>();

    LatentKvSource(GgufFile file) {
        this.file = file;
    }

    /** True if the file keeps layer 0's latent key/value projection split. */
    static boolean applies(GgufFile f) {
        return f.has("blk.0.attn_k_b.weight") && !f.has("blk.0.attn_kv_b.weight");
    }

    private static String split(String name, String part) {
        return name.endsWith(".attn_kv_b.weight") ? name.replace(".attn_kv_b.", "." + part + ".") : null;
    }

    private Tensor join(String name) {
        return joined.computeIfAbsent(name, n -> {
            Tensor k = file.floats(split(n, "attn_k_b"));
            Tensor v = file.floats(split(n, "attn_v_b"));
            int heads = k.shape()[0], kvLora = k.shape()[1], nope = k.shape()[2], vDim = v.shape()[1];
            if (v.shape()[0] != heads || v.shape()[2] != kvLora) {
                throw new IllegalArgumentException(file.location() + ": " + split(n, "attn_v_b") + " has shape "
                        + java.util.Arrays.toString(v.shape()) + ", expected [" + heads + ", v, " + kvLora + "] beside attn_k_b");
            }
            float[] out = new float[heads * (nope + vDim) * kvLora];
            float[] kd = k.data(), vd = v.data();
            for (int h = 0; h < heads; h++) {
                int base = h * (nope + vDim);
                for (int i = 0; i < nope; i++) {
                    for (int c = 0; c < kvLora; c++) out[(base + i) * kvLora + c] = kd[(h * kvLora + c) * nope + i];
                }
                System.arraycopy(vd, h * vDim * kvLora, out, (base + nope) * kvLora, vDim * kvLora);
            }
            return Tensor.of(out, heads * (nope + vDim), kvLora);
        });
    }

    private boolean isJoined(String name) {
        String k = split(name, "attn_k_b");
        return k != null && !file.has(name) && file.has(k) && file.has(split(name, "attn_v_b"));
    }

    @Override
    public String location() {
        return file.location();
    }

    @Override
    public boolean has(String name) {
        return file.has(name) || isJoined(name);
    }

    @Override
    public TensorInfo info(String name) {
        if (!isJoined(name)) return file.info(name);
        long[] shape = shape(name);
        return new TensorInfo(name, DType.F32, shape, 0, 4 * shape[0] * shape[1]);
    }

    @Override
    public long[] shape(String name) {
        if (!isJoined(name)) return file.shape(name);
        int[] s = join(name).shape();
        return new long[] {s[0], s[1]};
    }

    @Override
    public WeightMatrix.Format matrixFormat(String name) throws FileFormatException {
        return isJoined(name) ? WeightMatrix.Format.F32 : file.matrixFormat(name);
    }

    @Override
    public MemorySegment bytes(String name) {
        return isJoined(name) ? MemorySegment.ofArray(join(name).data()) : file.bytes(name);
    }

    @Override
    public Tensor floats(String name) {
        return isJoined(name) ? join(name) : file.floats(name);
    }
}
