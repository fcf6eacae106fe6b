import java.lang.foreign.*;
import java.nio.ByteOrder;
import jdk.incubator.vector.*;

/**
 * The experiments behind docs/gguf.md's "Activations stay float32": one thread, Q8_0 rows in cache, the
 * float32 kernel of QuantizedKernels (v0) against a per-block sum before scaling (v1), 8-bit activations
 * multiplied in 16-bit lanes with pairs summed by shifts (v2) or by widenings (v3), SuperWord's
 * multiply-add of short pairs into ints (v4), the same as a reduction (v5), and widening to shorts,
 * SuperWord pairs and Vector API block sums together (v6; v7: the pairs over bytes). Prints billions of
 * weights per second, the best of 9 rounds. Run with JDK 25:
 *   java --add-modules jdk.incubator.vector bench/scripts/Int8DotExperiment.java ROWS COLS
 */
public class Int8DotExperiment {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    static final int VL = 16;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    static float half(MemorySegment w, long at) { return Float.float16ToFloat(w.get(H, at)); }

    // V0: current
    static void v0(MemorySegment w, long w0, long rowBytes, int cols, float[] x, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 32, b += 34) {
            float d0 = half(w, w0 + b), d1 = half(w, w1 + b), d2 = half(w, w2 + b), d3 = half(w, w3 + b);
            for (int k = 0; k < 32; k += VL) {
                FloatVector u = FloatVector.fromArray(F, x, c + k);
                int o = b + 2 + k;
                a0 = u.fma(wi(w, w0 + o).mul(d0), a0);
                a1 = u.fma(wi(w, w1 + o).mul(d1), a1);
                a2 = u.fma(wi(w, w2 + o).mul(d2), a2);
                a3 = u.fma(wi(w, w3 + o).mul(d3), a3);
            }
        }
        y[y0] = a0.reduceLanes(VectorOperators.ADD); y[y0+1] = a1.reduceLanes(VectorOperators.ADD);
        y[y0+2] = a2.reduceLanes(VectorOperators.ADD); y[y0+3] = a3.reduceLanes(VectorOperators.ADD);
    }
    static FloatVector wi(MemorySegment w, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B16, w, at, LE).convertShape(VectorOperators.B2I, I, 0).convert(VectorOperators.I2F, 0);
    }
    // V1: per-block partial then scale
    static void v1(MemorySegment w, long w0, long rowBytes, int cols, float[] x, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 32, b += 34) {
            float d0 = half(w, w0 + b), d1 = half(w, w1 + b), d2 = half(w, w2 + b), d3 = half(w, w3 + b);
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            for (int k = 0; k < 32; k += VL) {
                FloatVector u = FloatVector.fromArray(F, x, c + k);
                int o = b + 2 + k;
                p0 = u.fma(wi(w, w0 + o), p0);
                p1 = u.fma(wi(w, w1 + o), p1);
                p2 = u.fma(wi(w, w2 + o), p2);
                p3 = u.fma(wi(w, w3 + o), p3);
            }
            a0 = p0.fma(FloatVector.broadcast(F, d0), a0); a1 = p1.fma(FloatVector.broadcast(F, d1), a1); a2 = p2.fma(FloatVector.broadcast(F, d2), a2); a3 = p3.fma(FloatVector.broadcast(F, d3), a3);
        }
        y[y0] = a0.reduceLanes(VectorOperators.ADD); y[y0+1] = a1.reduceLanes(VectorOperators.ADD);
        y[y0+2] = a2.reduceLanes(VectorOperators.ADD); y[y0+3] = a3.reduceLanes(VectorOperators.ADD);
    }
    // V2: int8 activations as short[] (xs) with per-block scales xd
    static IntVector pairs(MemorySegment w, long at, ShortVector xs) {
        ShortVector p = ((ShortVector) ByteVector.fromMemorySegment(B32, w, at, LE).convertShape(VectorOperators.B2S, S, 0)).mul(xs);
        IntVector pi = p.reinterpretAsInts();
        return pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }
    static FloatVector fl(IntVector v) { return (FloatVector) v.convert(VectorOperators.I2F, 0); }
    static void v2(MemorySegment w, long w0, long rowBytes, int cols, short[] xs, float[] xd, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 32, b += 34) {
            float dx = xd[c >> 5];
            float d0 = half(w, w0 + b) * dx, d1 = half(w, w1 + b) * dx, d2 = half(w, w2 + b) * dx, d3 = half(w, w3 + b) * dx;
            ShortVector u = ShortVector.fromArray(S, xs, c);
            int o = b + 2;
            a0 = fl(pairs(w, w0 + o, u)).fma(FloatVector.broadcast(F, d0), a0);
            a1 = fl(pairs(w, w1 + o, u)).fma(FloatVector.broadcast(F, d1), a1);
            a2 = fl(pairs(w, w2 + o, u)).fma(FloatVector.broadcast(F, d2), a2);
            a3 = fl(pairs(w, w3 + o, u)).fma(FloatVector.broadcast(F, d3), a3);
        }
        y[y0] = a0.reduceLanes(VectorOperators.ADD); y[y0+1] = a1.reduceLanes(VectorOperators.ADD);
        y[y0+2] = a2.reduceLanes(VectorOperators.ADD); y[y0+3] = a3.reduceLanes(VectorOperators.ADD);
    }
    // V3: int8 activations, S2I conversions of the short products
    static IntVector pairs2(MemorySegment w, long at, ShortVector xs) {
        ShortVector p = ((ShortVector) ByteVector.fromMemorySegment(B32, w, at, LE).convertShape(VectorOperators.B2S, S, 0)).mul(xs);
        return ((IntVector) p.convertShape(VectorOperators.S2I, I, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, I, 1));
    }
    static void v3(MemorySegment w, long w0, long rowBytes, int cols, short[] xs, float[] xd, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 32, b += 34) {
            float dx = xd[c >> 5];
            float d0 = half(w, w0 + b) * dx, d1 = half(w, w1 + b) * dx, d2 = half(w, w2 + b) * dx, d3 = half(w, w3 + b) * dx;
            ShortVector u = ShortVector.fromArray(S, xs, c);
            int o = b + 2;
            a0 = fl(pairs2(w, w0 + o, u)).fma(FloatVector.broadcast(F, d0), a0);
            a1 = fl(pairs2(w, w1 + o, u)).fma(FloatVector.broadcast(F, d1), a1);
            a2 = fl(pairs2(w, w2 + o, u)).fma(FloatVector.broadcast(F, d2), a2);
            a3 = fl(pairs2(w, w3 + o, u)).fma(FloatVector.broadcast(F, d3), a3);
        }
        y[y0] = a0.reduceLanes(VectorOperators.ADD); y[y0+1] = a1.reduceLanes(VectorOperators.ADD);
        y[y0+2] = a2.reduceLanes(VectorOperators.ADD); y[y0+3] = a3.reduceLanes(VectorOperators.ADD);
    }
    // V4: SuperWord MulAddS2I on short rows of weights (pre-widened) -> int pairs, then float
    static void madd(short[] a, int ao, short[] b, int[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = a[ao + 2 * i] * b[2 * i] + a[ao + 2 * i + 1] * b[2 * i + 1];
    }
    static int dotS(short[] a, int ao, short[] b, int n) {
        int s = 0;
        for (int i = 0; i < n; i++) s += a[ao + 2 * i] * b[2 * i] + a[ao + 2 * i + 1] * b[2 * i + 1];
        return s;
    }

    static long run(int v, MemorySegment w, long rowBytes, int rows, int cols, float[] x, short[] xs, float[] xd, short[] ws, int[] tmp, float[] y) {
        long dummy = 0;
        switch (v) {
            case 0 -> { for (int rep = 0; rep < 100; rep++) for (int row = 0; row < rows; row += 4) v0(w, row * rowBytes, rowBytes, cols, x, y, row); }
            case 1 -> { for (int rep = 0; rep < 100; rep++) for (int row = 0; row < rows; row += 4) v1(w, row * rowBytes, rowBytes, cols, x, y, row); }
            case 2 -> { for (int rep = 0; rep < 100; rep++) for (int row = 0; row < rows; row += 4) v2(w, row * rowBytes, rowBytes, cols, xs, xd, y, row); }
            case 3 -> { for (int rep = 0; rep < 100; rep++) for (int row = 0; row < rows; row += 4) v3(w, row * rowBytes, rowBytes, cols, xs, xd, y, row); }
            case 4 -> { for (int rep = 0; rep < 100; rep++) for (int row = 0; row < rows; row++) { madd(ws, row * cols, xs, tmp, cols / 2); dummy += tmp[5]; } }
            default -> { for (int rep = 0; rep < 100; rep++) for (int row = 0; row < rows; row++) dummy += dotS(ws, row * cols, xs, cols / 2); }
        }
        return dummy;
    }
    static void maddB(byte[] a, short[] b, int[] out, int n) {
        for (int i = 0; i < n; i++) out[i] = a[2 * i] * b[2 * i] + a[2 * i + 1] * b[2 * i + 1];
    }
    // v6: Vector API widening into short scratch, SuperWord madd, Vector API per-block float
    static float v6row(MemorySegment w, long w0, int cols, short[] xs, float[] xd, short[] sw, int[] pr) {
        for (int c = 0, b = 0; c < cols; c += 32, b += 34) {
            ((ShortVector) ByteVector.fromMemorySegment(B32, w, w0 + b + 2, LE).convertShape(VectorOperators.B2S, S, 0)).intoArray(sw, c);
        }
        madd(sw, 0, xs, pr, cols / 2);
        FloatVector acc = FloatVector.zero(F);
        for (int c = 0, b = 0; c < cols; c += 32, b += 34) {
            float d = half(w, w0 + b) * xd[c >> 5];
            acc = fl(IntVector.fromArray(I, pr, c >> 1)).fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
    static long run2(int v, MemorySegment w, long rowBytes, int rows, int cols, short[] xs, float[] xd, short[] sw, int[] pr, byte[] wb, float[] y) {
        long dummy = 0;
        switch (v) {
            case 6 -> { for (int rep = 0; rep < 100; rep++) for (int row = 0; row < rows; row++) y[row] = v6row(w, row * rowBytes, cols, xs, xd, sw, pr); }
            default -> { for (int rep = 0; rep < 100; rep++) for (int row = 0; row < rows; row++) { maddB(wb, xs, pr, cols / 2); dummy += pr[3]; } }
        }
        return dummy;
    }
    public static void main(String[] args) {
        int rows = Integer.parseInt(args[0]), cols = Integer.parseInt(args[1]);
        long rowBytes = cols / 32 * 34;
        MemorySegment w = Arena.global().allocate(rows * rowBytes + 64, 64);
        java.util.Random r = new java.util.Random(1);
        for (long i = 0; i < rows * rowBytes; i++) w.set(ValueLayout.JAVA_BYTE, i, (byte) (r.nextInt(255) - 127));
        for (int row = 0; row < rows; row++) for (int b = 0; b < cols / 32; b++) w.set(H, row * rowBytes + b * 34, Float.floatToFloat16(0.01f + r.nextFloat() * 0.01f));
        float[] x = new float[cols]; for (int i = 0; i < cols; i++) x[i] = (float) r.nextGaussian();
        short[] xs = new short[cols]; float[] xd = new float[cols / 32];
        for (int b = 0; b < cols / 32; b++) { float m = 0; for (int k = 0; k < 32; k++) m = Math.max(m, Math.abs(x[32*b+k])); xd[b] = m / 127; for (int k = 0; k < 32; k++) xs[32*b+k] = (short) Math.round(x[32*b+k] / xd[b]); }
        short[] ws = new short[rows * cols]; for (int row = 0; row < rows; row++) for (int c = 0; c < cols; c++) ws[row*cols+c] = w.get(ValueLayout.JAVA_BYTE, row*rowBytes + c/32*34 + 2 + c%32);
        int[] tmp = new int[cols / 2];
        float[] y = new float[rows];
        double[] best = new double[6];
        for (int round = 0; round < 12; round++) {
            for (int v = 0; v < 6; v++) {
                long t0 = System.nanoTime();
                long dummy = run(v, w, rowBytes, rows, cols, x, xs, xd, ws, tmp, y);
                double g = 100.0 * rows * cols / ((System.nanoTime() - t0) / 1e9) / 1e9;
                if (round >= 3) best[v] = Math.max(best[v], g);
                if (dummy == 42) System.out.println();
            }
        }
        short[] sw = new short[cols]; byte[] wb = new byte[cols];
        double[] best2 = new double[8];
        for (int round = 0; round < 12; round++) for (int v = 6; v < 8; v++) {
            long t0 = System.nanoTime();
            long dummy = run2(v, w, rowBytes, rows, cols, xs, xd, sw, tmp, wb, y);
            double g = 100.0 * rows * cols / ((System.nanoTime() - t0) / 1e9) / 1e9;
            if (round >= 3) best2[v] = Math.max(best2[v], g);
            if (dummy == 42) System.out.println();
        }
        System.out.printf("v6 %.2f v7 %.2f  y0=%f%n", best2[6], best2[7], y[0]);
        for (int v = 0; v < 6; v++) System.out.printf("v%d best %.2f G w/s%n", v, best[v]);
        // accuracy: v0 vs v2
        float[] y0 = new float[rows], y2 = new float[rows];
        for (int row = 0; row < rows; row += 4) { v0(w, row * rowBytes, rowBytes, cols, x, y0, row); v2(w, row * rowBytes, rowBytes, cols, xs, xd, y2, row); }
        double e = 0, n = 0; for (int i = 0; i < rows; i++) { e += (y0[i]-y2[i])*(y0[i]-y2[i]); n += y0[i]*y0[i]; }
        System.out.printf("rel rms int8 vs float %.3e%n", Math.sqrt(e / n));
    }
}
