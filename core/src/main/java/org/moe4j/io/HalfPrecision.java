package org.moe4j.io;

/**
 * Conversions between float32 and the two 16-bit float formats of weight files.
 *
 * <p>F16 is IEEE 754 binary16 (1 sign, 5 exponent, 10 fraction bits); the JDK converts it
 * ({@link Float#float16ToFloat}, {@link Float#floatToFloat16}, round to nearest even).
 *
 * <p>BF16 (bfloat16) is the top half of a float32 (1 sign, 8 exponent, 7 fraction bits): widening
 * appends 16 zero bits; narrowing rounds to nearest, ties to even, and turns every NaN into the
 * quiet NaN 0x7FC0, as PyTorch's c10::BFloat16 does.
 */
public final class HalfPrecision {
    private HalfPrecision() {}

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Round to nearest even: add 0x7FFF plus the lowest kept bit, then drop the low 16 bits. */
    public static short floatToBf16(float value) {
        if (Float.isNaN(value)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(value);
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }
}
