package org.moe4j.engine.gguf;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.moe4j.io.gguf.GgmlType;

/**
 * The type a written GGUF file gives each tensor, as llama.cpp's file types do (simplified; the rule
 * per type is below). Vectors (norms, biases, sinks) and routers stay F32 in every type: they are
 * small, and a router's rounding would move tokens between experts. A matrix whose rows are not whole
 * blocks of the chosen type falls back to Q8_0 (rows of 32), else F16.
 */
public enum QuantType {
    /** Every matrix in float32. */
    F32(0),
    /** Every matrix in IEEE half. */
    F16(1),
    /** Every matrix in bfloat16. */
    BF16(32),
    /** Every matrix in Q8_0. */
    Q8_0(7),
    /** Q4_0, with the output projection in Q6_K (llama.cpp's MOSTLY_Q4_0). */
    Q4_0(2),
    /**
     * Q4_K, with the output projection in Q6_K and, in the layers llama.cpp's use_more_bits picks
     * (the first and last eighth, and every third between), attn_v and the down projections in Q6_K
     * (llama.cpp's MOSTLY_Q4_K_M, without its special cases for particular models).
     */
    Q4_K_M(15),
    /** Experts in MXFP4, every other matrix in Q8_0 (llama.cpp's MOSTLY_MXFP4_MOE). */
    MXFP4(38);

    private final int fileType;

    QuantType(int fileType) {
        this.fileType = fileType;
    }

    /** llama.cpp's {@code llama_ftype} number, for general.file_type. */
    public int fileType() {
        return fileType;
    }

    /** The type named on the command line (case-insensitive: f32, f16, bf16, q8_0, q4_0, q4_k_m, mxfp4). */
    public static QuantType parse(String name) {
        for (QuantType t : values()) {
            if (t.name().equalsIgnoreCase(name)) return t;
        }
        throw new IllegalArgumentException("--type is " + name + ", must be one of "
                + Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }

    /**
     * The ggml type of a matrix with rows of {@code cols}.
     *
     * @param name    its GGUF name (output.weight, blk.N.attn_v.weight, blk.N.ffn_down_exps.weight, ...)
     * @param layer   its layer (-1 outside the layers)
     * @param layers  the model's layer count
     */
    public GgmlType matrixType(String name, int layer, int layers, int cols) {
        if (name.endsWith("ffn_gate_inp.weight")) return GgmlType.F32;
        boolean output = name.equals("output.weight");
        boolean experts = name.contains("_exps.");
        GgmlType wanted = switch (this) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            case Q8_0 -> GgmlType.Q8_0;
            case Q4_0 -> output ? GgmlType.Q6_K : GgmlType.Q4_0;
            case Q4_K_M -> output || (moreBits(layer, layers) && (name.endsWith("attn_v.weight") || name.contains("ffn_down")))
                    ? GgmlType.Q6_K : GgmlType.Q4_K;
            case MXFP4 -> experts ? GgmlType.MXFP4 : GgmlType.Q8_0;
        };
        if (cols % wanted.blockSize() == 0) return wanted;
        return cols % 32 == 0 ? GgmlType.Q8_0 : GgmlType.F16;
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third layer between. */
    static boolean moreBits(int layer, int layers) {
        return layer >= 0 && (layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2);
    }
}
