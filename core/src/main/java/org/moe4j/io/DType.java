package org.moe4j.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types of the safetensors format (names as in the Hugging Face specification) and
 * their sizes in bytes. All are little-endian.
 */
public enum DType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for the types {@code floats()} converts to float32: F32, F16, BF16 and F64. */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** True for the integer types read as long without loss: BOOL, U8, I8, I16, U16, I32, U32, I64. */
    public boolean isExactInteger() {
        return this == BOOL || this == U8 || this == I8 || this == I16 || this == U16 || this == I32
                || this == U32 || this == I64;
    }

    /** The type named {@code name} (case-sensitive, as the specification spells it). */
    public static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype " + Json.quoteForMessage(name) + ": allowed "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
}
