package org.moe4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Loads of weights from memory in their stored format (little-endian float32, IEEE half,
 * bfloat16), widened exactly to float32: a vector of float32, and single values for the columns
 * past the last whole vector. The vector forms for the 16-bit formats are in {@link Bf16Blocks}
 * (pairs of bfloat16 in 32-bit lanes) and {@link F16Blocks} (halves widened by the conversion
 * instruction into a buffer). Also the vector species every WeightProduct block uses.
 */
final class WideningLoads {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final int VL = F.length();

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    private WideningLoads() {}

    /** VL float32 values from byte offset {@code off}. */
    static FloatVector f32(MemorySegment w, long off) {
        return FloatVector.fromMemorySegment(F, w, off, LE);
    }

    /** One float32 value at element index {@code i}. */
    static float f32At(MemorySegment w, long i) {
        return w.getAtIndex(F32, i);
    }

    /** One bfloat16 value at element index {@code i}, widened. */
    static float bf16At(MemorySegment w, long i) {
        return Float.intBitsToFloat(w.getAtIndex(I16, i) << 16);
    }
}
