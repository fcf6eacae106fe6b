package org.moe4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Loads of one vector of weights from memory in their stored format (little-endian float32, IEEE
 * half, bfloat16), widened to float32 in registers. Every widening is exact: each 16-bit value
 * becomes the float32 of the same value.
 *
 * <p>bfloat16 is the top half of a float32, so widening is a shift left by 16. JDK 25's Vector API
 * has no half-float conversion (its S2F converts the integer value), so IEEE half is widened with
 * integer operations: place sign, exponent and fraction where float32 keeps them (shift left by 16
 * then arithmetically right by 3, the sign copies masked off), which reads as the half's value
 * times 2^-112 for normal and subnormal halves alike (float32 keeps subnormals, so nothing is lost);
 * multiplying by 2^112 is then exact. The exponent 31 of infinities and NaNs must instead become
 * 255: those lanes take the shifted bits with the exponent field set. The half's NaN payload is
 * kept (the JDK's scalar conversion also sets the quiet bit; either is a NaN).
 */
final class WideningLoads {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** 16-bit lanes as many as F has: half F's width. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final int VL = F.length();

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final IntVector HALF_EXPONENT = IntVector.broadcast(I, 0x7C00_0000);
    private static final IntVector SIGN_AND_BITS = IntVector.broadcast(I, 0x8FFF_FFFF);
    private static final IntVector FLOAT_EXPONENT = IntVector.broadcast(I, 0x7F80_0000);
    private static final FloatVector TWO_TO_112 = FloatVector.broadcast(F, 0x1p112f);

    private WideningLoads() {}

    /** VL float32 values from byte offset {@code off}. */
    static FloatVector f32(MemorySegment w, long off) {
        return FloatVector.fromMemorySegment(F, w, off, LE);
    }

    /** VL bfloat16 values from byte offset {@code off}, widened. */
    static FloatVector bf16(MemorySegment w, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, off, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** VL IEEE half values from byte offset {@code off}, widened (see the class comment). */
    static FloatVector f16(MemorySegment w, long off) {
        IntVector h = ((IntVector) ShortVector.fromMemorySegment(S, w, off, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16);
        IntVector placed = h.lanewise(VectorOperators.ASHR, 3).and(SIGN_AND_BITS);
        FloatVector finite = placed.reinterpretAsFloats().mul(TWO_TO_112);
        VectorMask<Float> special = h.and(HALF_EXPONENT).compare(VectorOperators.EQ, HALF_EXPONENT).cast(F);
        return finite.blend(placed.or(FLOAT_EXPONENT).reinterpretAsFloats(), special);
    }

    /** One float32 value at element index {@code i}. */
    static float f32At(MemorySegment w, long i) {
        return w.getAtIndex(F32, i);
    }

    /** One bfloat16 value at element index {@code i}, widened. */
    static float bf16At(MemorySegment w, long i) {
        return Float.intBitsToFloat(w.getAtIndex(I16, i) << 16);
    }

    /** One IEEE half value at element index {@code i}, widened. */
    static float f16At(MemorySegment w, long i) {
        return Float.float16ToFloat(w.getAtIndex(I16, i));
    }
}
