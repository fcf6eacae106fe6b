package org.moe4j.io.gguf;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The tensor element types of ggml (ggml.h's {@code ggml_type}, as gguf-py 0.19 lists them) with
 * the number each has in a GGUF file, the elements per block and the bytes per block. Every type is
 * known here so that {@code moe4j inspect} shows any file; which ones the engine computes with is
 * {@link #weightFormat}'s business.
 */
public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q4_1(3, 32, 20), Q5_0(6, 32, 22), Q5_1(7, 32, 24),
    Q8_0(8, 32, 34), Q8_1(9, 32, 40), Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144), Q5_K(13, 256, 176),
    Q6_K(14, 256, 210), Q8_K(15, 256, 292), IQ2_XXS(16, 256, 66), IQ2_XS(17, 256, 74), IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50), IQ4_NL(20, 32, 18), IQ3_S(21, 256, 110), IQ2_S(22, 256, 82), IQ4_XS(23, 256, 136),
    I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4), I64(27, 1, 8), F64(28, 1, 8), IQ1_M(29, 256, 56), BF16(30, 1, 2),
    TQ1_0(34, 256, 54), TQ2_0(35, 256, 66), MXFP4(39, 32, 17), NVFP4(40, 64, 36), Q1_0(41, 128, 18);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The number a GGUF file stores for this type. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for the plain types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** The type numbered {@code id}, or null if ggml has none of that number. */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** Every type by name and number, for messages. */
    public static String known() {
        return Arrays.stream(values()).map(t -> t.name() + "=" + t.id).collect(Collectors.joining(", "));
    }

    /** Bytes of {@code elements} elements (a multiple of the block size). */
    public long bytes(long elements) {
        return elements / blockSize * blockBytes;
    }
}
