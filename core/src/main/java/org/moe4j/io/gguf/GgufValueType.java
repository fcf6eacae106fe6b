package org.moe4j.io.gguf;

/** The types of GGUF metadata values (gguf.h's {@code gguf_type}), by the number the file stores. */
public enum GgufValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8), ARRAY(12), UINT64(8),
    INT64(8), FLOAT64(8);

    private final int minBytes;

    GgufValueType(int minBytes) {
        this.minBytes = minBytes;
    }

    /** The fewest bytes a value of this type takes in the file (a string's length field, an array's header). */
    int minBytes() {
        return minBytes;
    }

    /** The type numbered {@code id}, or null. */
    public static GgufValueType byId(long id) {
        return id >= 0 && id < values().length ? values()[(int) id] : null;
    }

    /** True for the integer types (8 to 64 bits, signed or not). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }
}
