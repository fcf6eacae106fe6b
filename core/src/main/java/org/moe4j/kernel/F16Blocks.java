package org.moe4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * IEEE half weights for {@link WeightProduct}: a few rows at a time are widened into a float[]
 * buffer of the thread, where {@link ArrayBlocks} use them for every token of a panel. JDK 25's
 * Vector API has no half-float conversion (its S2F converts integer values); the scalar
 * {@link Float#float16ToFloat} in a plain loop is compiled to the processor's conversion
 * instruction, several values at once (VCVTPH2PS with AVX-512 or F16C), which measured 20 to 27
 * billion values per second from L1 on one core, where widening with integer vector operations
 * (placing sign, exponent and fraction, rescaling by 2^112, patching infinities and NaNs) ran at
 * 5 to 10. Converting exactly, either way, gives the same products.
 */
final class F16Blocks {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private F16Blocks() {}

    // w: elements [e0, e0 + n) of the matrix   dst: (n) from off
    /** Elements [e0, e0 + n) of a half matrix, widened exactly into {@code dst[off ..]}. */
    static void widen(MemorySegment w, long e0, int n, float[] dst, int off) {
        for (int i = 0; i < n; i++) {
            dst[off + i] = Float.float16ToFloat(w.getAtIndex(I16, e0 + i));
        }
    }
}
