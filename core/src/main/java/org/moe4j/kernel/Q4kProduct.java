package org.moe4j.kernel;

import static org.moe4j.kernel.WideningLoads.F;
import static org.moe4j.kernel.WideningLoads.I;
import static org.moe4j.kernel.WideningLoads.VL;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;
import org.moe4j.tensor.quant.Dequantizer;

/**
 * Q4_K rows times tokens for {@link QuantizedProduct}, by the definition of {@link Q4kReference}: the
 * float32 kernel's dot product of the token with the row decoded without its minima ({@code dl_j q}),
 * minus each sub-block's minimum times the sub-block's sum of x (computed once per token). Subtracting
 * the minimum from every weight cost a vector operation per 16 weights; and each load of 16 code
 * bytes here serves two sub-blocks (the low nibbles are sub-block 2i, the high ones 2i + 1). Two
 * schedules compute the same sequence of operations, so a token's outputs have the same bits alone
 * or in a batch:
 * <ul>
 *   <li>one token: a row's codes pick their weights from per-sub-block tables in
 *       registers, straight from the packed blocks;</li>
 *   <li>several tokens: a block of rows that fits the L2 cache is decoded once into a per-thread
 *       buffer (without the minima, which go to a buffer of their own), the chunked 8-row blocks of
 *       {@link PanelBlocks} run over it for every token, and each output then loses its minimum term.</li>
 * </ul>
 * Rows left over past the last block of 4 (matrices whose rows are not a multiple of 4) take the
 * reference itself.
 */
final class Q4kProduct {
    /** Floats of unpacked codes per buffer (256 KiB: a fraction of a core's L2). */
    private static final int BUFFER_FLOATS = 1 << 16;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(VL * 8));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /*
     * The 12 scale bytes b[0..11] of a super-block hold sc_j and m_j (6 bits each, see Dequantizer.scaleMin):
     * for j < 4, sc_j = b[j] & 63 and m_j = b[j + 4] & 63; for j >= 4, sc_j = (b[j + 4] & 15) | (b[j - 4] >> 6) << 4
     * and m_j = (b[j + 4] >> 4) | (b[j] >> 6) << 4. Lane l of the result is sc_l (l < 8) or m_{l-8}: its low
     * bits come from byte SCALE_LOW[l] shifted right by LOW_SHIFT[l] and masked by LOW_MASK[l], its two high
     * bits (lanes of j >= 4 only) from the top of byte SCALE_HIGH[l].
     */
    private static final IntVector LOW_SHIFT, LOW_MASK, HIGH_MASK;
    private static final VectorShuffle<Integer> SCALE_LOW, SCALE_HIGH;
    private static final VectorMask<Float> MINS;

    static {
        int n = I.length();
        int[] lowIndex = new int[n], highIndex = new int[n], shift = new int[n], mask = new int[n], highMask = new int[n];
        boolean[] mins = new boolean[n];
        for (int l = 0; l < Math.min(n, 16); l++) {
            int j = l % 8;
            boolean min = l >= 8;
            mins[l] = min;
            if (j < 4) {
                lowIndex[l] = min ? j + 4 : j;
                mask[l] = 63;
            } else {
                lowIndex[l] = j + 4;
                shift[l] = min ? 4 : 0;
                mask[l] = 15;
                highIndex[l] = min ? j : j - 4;
                highMask[l] = 0x30;
            }
        }
        SCALE_LOW = VectorShuffle.fromArray(I, lowIndex, 0);
        SCALE_HIGH = VectorShuffle.fromArray(I, highIndex, 0);
        LOW_SHIFT = IntVector.fromArray(I, shift, 0);
        LOW_MASK = IntVector.fromArray(I, mask, 0);
        HIGH_MASK = IntVector.fromArray(I, highMask, 0);
        MINS = VectorMask.fromArray(F, mins, 0);
    }

    /** The codes 0..15 as floats: lanes 0..VL-1, and 8..15 for vectors of 8 lanes. */
    private static final FloatVector CODES_LO = FloatVector.fromArray(F, iota(), 0), CODES_HI = FloatVector.fromArray(F, iota(), VL >= 16 ? 0 : 8);

    private static float[] iota() {
        float[] v = new float[Math.max(16, VL)];
        for (int i = 0; i < 16; i++) v[i] = i;
        return v;
    }

    private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

    private Q4kProduct() {}

    /** Per-thread buffers: decoded rows, their minima, the tokens' sub-block sums, products before their minima. */
    private static final class Buffer {
        MemorySegment rows = PanelBlocks.buffer(0);
        float[] ml = new float[0], sums = new float[0], products = new float[0], acc = new float[0];
        float[] scales = new float[64];
        final float[] lanes = new float[16];

        void ensure(int rowFloats, int subBlocks, int sumFloats, int productFloats, int accumulators, int scaleFloats) {
            if (rows.byteSize() < 4L * rowFloats) rows = PanelBlocks.buffer(rowFloats);
            if (scales.length < scaleFloats) scales = new float[scaleFloats];
            if (acc.length < accumulators) acc = new float[accumulators];
            if (ml.length < subBlocks) ml = new float[subBlocks];
            if (sums.length < sumFloats) sums = new float[Math.max(sumFloats, sums.length * 3 / 2)];
            if (products.length < productFloats) products = new float[productFloats];
        }
    }

    // x: (T, cols) rows ldx apart   y: (T, rows) rows ldy apart; rows [r0, r1) of w, r0 a multiple of 4
    static void rows(int r0, int r1, float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff, int ldy, boolean add) {
        int cols = w.cols();
        int subs = cols / 32;
        long rowBytes = Format.Q4_K.rowBytes(cols);
        MemorySegment data = w.data();
        Buffer buffer = BUFFERS.get();
        int block = Math.max(4, BUFFER_FLOATS / Math.max(1, cols) & ~3);
        int panel = Math.max(4, BUFFER_FLOATS / Math.max(1, cols) & ~3);
        int stride = (block + VL - 1) / VL * VL;
        buffer.ensure(T == 1 ? 0 : block * cols, subs * stride, Math.max(T, 2) * subs, T == 1 ? 0 : panel * stride,
                T == 1 ? 0 : PanelBlocks.accumulatorFloats(Math.min(T, panel)), 2 * subs);
        float[] sums = buffer.sums;
        int quadEnd = r0 + (r1 - r0 & ~3);
        if (T == 1) {
            paddedSums(x, xOff, subs, sums);
            // one row at a time, four streams of weights that cross their pages together (RowStreams)
            int r = r0;
            for (int q = RowStreams.spacing(quadEnd - r, rowBytes); q > 0; r += 4 * q, q = RowStreams.spacing(quadEnd - r, rowBytes)) {
                for (int i = r; i < r + q; i++) {
                    for (int j = i; j < i + 4 * q; j += q) packed1(data, j * rowBytes, cols, x, xOff, sums, buffer, y, yOff + j, add);
                }
            }
            for (; r < quadEnd; r++) packed1(data, r * rowBytes, cols, x, xOff, sums, buffer, y, yOff + r, add);
        } else {
            for (int t = 0; t < T; t++) {
                for (int j = 0; j < subs; j++) sums[t * subs + j] = Q4kReference.subBlockSum(x, xOff + t * ldx + 32 * j);
            }
            float[] products = buffer.products;
            for (int b0 = r0; b0 < quadEnd; b0 += block) {
                int b1 = Math.min(quadEnd, b0 + block);
                for (int r = b0; r < b1; r++) decode(data, r * rowBytes, cols, buffer, r - b0, b1 - b0, stride);
                for (int t0 = 0; t0 < T; t0 += panel) {
                    int t1 = Math.min(T, t0 + panel);
                    PanelBlocks.multiply(buffer.rows, b1 - b0, cols, x, xOff + t0 * ldx, ldx, t1 - t0, products, 0, stride, false, buffer.acc);
                    for (int t = t0; t < t1; t++) {
                        for (int r = 0; r < b1 - b0; r += VL) {
                            minusMinima(buffer, r, stride, sums, t * subs, subs, products, (t - t0) * stride);
                            for (int i = r; i < Math.min(b1 - b0, r + VL); i++) {
                                WeightBlocks.store(y, yOff + t * ldy + b0 + i, products[(t - t0) * stride + i], add);
                            }
                        }
                    }
                }
            }
        }
        for (int r = quadEnd; r < r1; r++) {
            for (int t = 0; t < T; t++) {
                WeightBlocks.store(y, yOff + t * ldy + r, Q4kReference.dot(data, r * rowBytes, cols, x, xOff + t * ldx, VL), add);
            }
        }
    }

    /**
     * products[p0 + r ..] -= the minimum terms of rows r.. of the block (VL rows, one per lane) for one
     * token: the reference's 8 lanes are 8 accumulators here, each over its sub-blocks 8 g + l in order,
     * then summed by the same tree. The minima are stored by sub-block, {@code stride} rows apart.
     */
    private static void minusMinima(Buffer buffer, int r, int stride, float[] sums, int s0, int subs, float[] products, int p0) {
        float[] ml = buffer.ml;
        FloatVector m0 = FloatVector.zero(F), m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0;
        for (int g = 0; g < subs; g += 8) {
            int at = g * stride + r;
            m0 = FloatVector.fromArray(F, ml, at).fma(FloatVector.broadcast(F, sums[s0 + g]), m0);
            m1 = FloatVector.fromArray(F, ml, at + stride).fma(FloatVector.broadcast(F, sums[s0 + g + 1]), m1);
            m2 = FloatVector.fromArray(F, ml, at + 2 * stride).fma(FloatVector.broadcast(F, sums[s0 + g + 2]), m2);
            m3 = FloatVector.fromArray(F, ml, at + 3 * stride).fma(FloatVector.broadcast(F, sums[s0 + g + 3]), m3);
            m4 = FloatVector.fromArray(F, ml, at + 4 * stride).fma(FloatVector.broadcast(F, sums[s0 + g + 4]), m4);
            m5 = FloatVector.fromArray(F, ml, at + 5 * stride).fma(FloatVector.broadcast(F, sums[s0 + g + 5]), m5);
            m6 = FloatVector.fromArray(F, ml, at + 6 * stride).fma(FloatVector.broadcast(F, sums[s0 + g + 6]), m6);
            m7 = FloatVector.fromArray(F, ml, at + 7 * stride).fma(FloatVector.broadcast(F, sums[s0 + g + 7]), m7);
        }
        FloatVector m = m0.add(m4).add(m2.add(m6)).add(m1.add(m5).add(m3.add(m7)));
        FloatVector.fromArray(F, products, p0 + r).sub(m).intoArray(products, p0 + r);
    }

    /**
     * The sub-block factors of the super-blocks at byte {@code at} of {@code rows} rows {@code rowBytes}
     * apart: row i's d sc_j at s[16 i + j] and dmin m_j at s[16 i + 8 + j], the float32 products of
     * {@link Dequantizer}. With 16 int lanes all 16 six-bit values of a row come out of
     * one load of its 12 packed bytes (two permutes, shifts and masks per lane, see {@link #SCALE_LOW}):
     * decoded one by one they cost more than the products themselves.
     */
    static void subBlockScales(MemorySegment w, long at, long rowBytes, int rows, float[] s) {
        if (VL != 16) {
            QuantizedKernels.subBlockScales(Format.Q4_K, w, at, rowBytes, 0, rows, s);
            return;
        }
        for (int i = 0; i < rows; i++, at += rowBytes) {
            IntVector b = ints(w, at + 4).and(0xFF);
            IntVector low = b.rearrange(SCALE_LOW).lanewise(VectorOperators.LSHR, LOW_SHIFT).and(LOW_MASK);
            IntVector high = b.rearrange(SCALE_HIGH).lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4).and(HIGH_MASK);
            FloatVector f = (FloatVector) low.or(high).convert(VectorOperators.I2F, 0);
            float d = Dequantizer.half(w, at), dmin = Dequantizer.half(w, at + 2);
            f.mul(FloatVector.broadcast(F, d).blend(dmin, MINS)).intoArray(s, 16 * i);
        }
    }

    private static IntVector ints(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(B, w, at, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    /**
     * One row from byte {@code w0} times one token, columns in ascending vectors as the float32 kernel visits
     * them; each super-block's sub-block factors are computed first, outside the vector loop (see
     * {@link QuantizedKernels#rows4Token1}). Each sub-block gets a table of its 16 weights {@code dl_j q}, and the
     * codes pick from it with one permute (as for MXFP4 in {@link QuantizedKernels}): 4 vector operations per VL
     * weights instead of 6 (mask, convert, multiply gone). One load of 16 code bytes serves both sub-blocks of a
     * pair (low nibbles 2i, high 2i + 1), whose products are added in column order. The minimum terms stay in
     * vector lanes: {@code m = fma(factors, S, m)}, S the token's sub-block sums in the lanes of the minima and
     * zeros in those of the scales ({@link #paddedSums}), so lane 8 + l of m is the reference's m[l] (one
     * multiply-add per super-block; done lane by lane in scalar code they took a tenth of the kernel's time).
     * <p>One row, not two or four: with the weights in cache, four rows sharing each load of x ran 9% faster than
     * two and one row 5% slower, but decoding a Q4_K_M model, where the weights stream from memory, one row at a
     * time was the fastest wherever they ran in the same sequence (docs/gguf.md). The rows come in the order of
     * {@link RowStreams}' four streams: 3-5% faster than one sequential stream from memory in {@code bench
     * weight-product}, level in decoding.
     * {@link #subBlockScales} stays a call (scripts/jvm-compile-commands.txt): inlined, it took this method past
     * the JIT's inlining budget (NodeCountInliningCutoff) and the Vector API's loads and conversions ran as Java
     * code, twenty times slower. It is called once per row for all its super-blocks (16 floats each): once per
     * super-block, the calls cost about a tenth of the kernel's speed in cache ({@code bench weight-product 1024 2048
     * --dtype q4_k --threads 1 --working-set-gib 0.002}: 4.7-5.0 against 5.2-5.4 GB/s, Intel Xeon, 2026-12-06).
     * The tables made out of line and loaded from an array ran 15% slower.
     */
    private static void packed1(MemorySegment w, long w0, int cols, float[] x, int x0, float[] sums,
                                Buffer buffer, float[] y, int y0, boolean add) {
        float[] sc = buffer.scales;
        FloatVector a0 = FloatVector.zero(F), m0 = a0;
        int m = VL >= 16 ? 0 : 8;
        subBlockScales(w, w0, 144, cols / 256, sc);
        for (int c = 0, b = 0, s0 = 0; c < cols; c += 256, b += 144, s0 += 16) {
            m0 = FloatVector.fromArray(F, sc, s0 + m).fma(FloatVector.fromArray(F, sums, c / 16 + m), m0);
            for (int i = 0; i < 4; i++) {
                // the 16 weights dl_j q of sub-blocks 2i (low nibbles) and 2i + 1 (high nibbles), picked by the codes
                float dlLow = sc[s0 + 2 * i], dlHigh = sc[s0 + 2 * i + 1];
                IntVector l0 = CODES_LO.mul(dlLow).reinterpretAsInts(), h0 = CODES_LO.mul(dlHigh).reinterpretAsInts();
                IntVector l1 = VL >= 16 ? l0 : CODES_HI.mul(dlLow).reinterpretAsInts();
                IntVector h1 = VL >= 16 ? h0 : CODES_HI.mul(dlHigh).reinterpretAsInts();
                int xc = x0 + c + 64 * i;
                long o = w0 + b + 16 + 32L * i;
                if (VL >= 16) {
                    IntVector q0 = ints(w, o), q1 = ints(w, o + 16);
                    a0 = FloatVector.fromArray(F, x, xc).fma(QuantizedKernels.pick(q0, l0, l1), a0);
                    a0 = FloatVector.fromArray(F, x, xc + 16).fma(QuantizedKernels.pick(q1, l0, l1), a0);
                    a0 = FloatVector.fromArray(F, x, xc + 32).fma(QuantizedKernels.pick(q0.lanewise(VectorOperators.LSHR, 4), h0, h1), a0);
                    a0 = FloatVector.fromArray(F, x, xc + 48).fma(QuantizedKernels.pick(q1.lanewise(VectorOperators.LSHR, 4), h0, h1), a0);
                } else {
                    for (int k = 0; k < 32; k += VL) a0 = FloatVector.fromArray(F, x, xc + k).fma(QuantizedKernels.pick(ints(w, o + k), l0, l1), a0);
                    for (int k = 0; k < 32; k += VL) {
                        IntVector q = ints(w, o + k).lanewise(VectorOperators.LSHR, 4);
                        a0 = FloatVector.fromArray(F, x, xc + 32 + k).fma(QuantizedKernels.pick(q, h0, h1), a0);
                    }
                }
            }
        }
        float[] lanes = buffer.lanes;
        m0.intoArray(lanes, 0);
        WeightBlocks.store(y, y0, QuantizedKernels.laneSum(a0) - Q4kReference.minimum(lanes, VL >= 16 ? 8 : 0), add);
    }

    /**
     * One token's sub-block sums S_j laid out for {@link #packed1}: super-block g's 8 sums at 16 g + 8 .. 16 g + 15,
     * zeros at 16 g .. 16 g + 7, so that one load lines them up with the minima of a row's factors (lanes 8..15 of
     * a vector of 16, or a whole vector of 8 from 16 g + 8). A zero lane meets a scale: fma(dl, 0, 0) is 0 and that
     * lane is never read.
     */
    private static void paddedSums(float[] x, int x0, int subs, float[] out) {
        for (int g = 0; g < subs / 8; g++) {
            for (int l = 0; l < 8; l++) {
                out[16 * g + l] = 0;
                out[16 * g + 8 + l] = Q4kReference.subBlockSum(x, x0 + 32 * (8 * g + l));
            }
        }
    }

    /**
     * Row {@code r} of a block of {@code n} rows (from byte {@code at}) decoded without its minima into the buffer,
     * laid out as {@link PanelBlocks#start} says; its minima by sub-block, {@code stride} rows apart.
     */
    private static void decode(MemorySegment w, long at, int cols, Buffer buffer, int r, int n, int stride) {
        MemorySegment rows = buffer.rows;
        float[] ml = buffer.ml, sc = buffer.scales;
        int off = PanelBlocks.start(r, n, cols), spread = PanelBlocks.spread(r, n, cols);
        subBlockScales(w, at, 144, cols / 256, sc); // all the row's super-blocks in one call (see packed1)
        for (int c = 0, s0 = 0; c < cols; c += 256, at += 144, s0 += 16) {
            for (int l = 0; l < 8; l++) ml[(c / 32 + l) * stride + r] = sc[s0 + 8 + l];
            for (int i = 0; i < 4; i++) {
                // the weights dl_j q by the tables of packed1: one permute each instead of a mask, a conversion
                // and a multiply (the same products: lane q of a table is q dl_j rounded once)
                float dlLow = sc[s0 + 2 * i], dlHigh = sc[s0 + 2 * i + 1];
                IntVector l0 = CODES_LO.mul(dlLow).reinterpretAsInts(), h0 = CODES_LO.mul(dlHigh).reinterpretAsInts();
                IntVector l1 = VL >= 16 ? l0 : CODES_HI.mul(dlLow).reinterpretAsInts();
                IntVector h1 = VL >= 16 ? h0 : CODES_HI.mul(dlHigh).reinterpretAsInts();
                for (int k = 0; k < 32; k += VL) {
                    IntVector q = ints(w, at + 16 + 32L * i + k);
                    int to = off + (c + 64 * i + k) * spread;
                    QuantizedKernels.pick(q, l0, l1).intoMemorySegment(rows, 4L * to, LE);
                    QuantizedKernels.pick(q.lanewise(VectorOperators.LSHR, 4), h0, h1).intoMemorySegment(rows, 4L * (to + 32 * spread), LE);
                }
            }
        }
    }
}
