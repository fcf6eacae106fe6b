package org.moe4j.kernel.gemm;

/**
 * The register tiles the blocked GEMM can run, each a fully written-out micro-kernel of NR = two
 * vectors of columns. Which one a CPU gets is decided once per process by {@link GemmPlans}. The
 * tiles differ only in how many rows of C they hold in registers; every element of C is summed over
 * k in the same order by each of them, so the choice never changes a result bit.
 */
enum GemmTile {
    /** 4 rows, 8 accumulators: leaves room in 16 vector registers (AVX2), where C2 spilled the 6-row tile. */
    ROWS_4(GemmMicroKernel4.MR, 11),
    /** 6 rows, 12 accumulators: the original tile, 15 of 16 vector registers. */
    ROWS_6(GemmMicroKernel.MR, 15),
    /** 14 rows, 28 accumulators: needs 32 vector registers (AVX-512, Arm NEON). */
    ROWS_14(GemmMicroKernel14.MR, 31);

    /** Rows of C per tile (MR). */
    final int rows;
    /** Vector registers the tile's loop keeps live: accumulators, two B vectors and a broadcast. */
    final int registers;

    GemmTile(int rows, int registers) {
        this.rows = rows;
        this.registers = registers;
    }

    /**
     * Runs this tile's micro-kernel: C = (or, accumulating, +=) the tile's product; see
     * {@link GemmMicroKernel#overwrite} for the arguments. {@code aRows} says how the A panel is
     * packed: as rows of KC floats ({@link GemmRowsKernel6}, {@link GemmRowsKernel14}) or step by
     * step, the tile's rows contiguous per step ({@link GemmMicroKernel}, {@link GemmMicroKernel14}).
     * bp must hold {@link BlockedGemm#AHEAD} floats past the panel: the 14-row tiles read that far
     * ahead and return the bits they read (the other tiles return 0), which the caller keeps.
     */
    int multiply(int kc, float[] ap, int apOff, boolean aRows, float[] bp, int bpOff,
                  float[] c, int cOff, int ldc, boolean accumulate) {
        return switch (this) {
            case ROWS_4 -> {
                if (aRows) {
                    if (accumulate) {
                        GemmRowsKernel4.accumulate(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
                    } else {
                        GemmRowsKernel4.overwrite(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
                    }
                } else if (accumulate) {
                    GemmMicroKernel4.accumulate(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
                } else {
                    GemmMicroKernel4.overwrite(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
                }
                yield 0;
            }
            case ROWS_6 -> {
                if (aRows) {
                    if (accumulate) {
                        GemmRowsKernel6.accumulate(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
                    } else {
                        GemmRowsKernel6.overwrite(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
                    }
                } else if (accumulate) {
                    GemmMicroKernel.accumulate(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
                } else {
                    GemmMicroKernel.overwrite(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
                }
                yield 0;
            }
            case ROWS_14 -> {
                if (aRows) {
                    yield accumulate ? GemmRowsKernel14.accumulate(kc, ap, apOff, bp, bpOff, c, cOff, ldc)
                            : GemmRowsKernel14.overwrite(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
                }
                yield accumulate ? GemmMicroKernel14.accumulate(kc, ap, apOff, bp, bpOff, c, cOff, ldc)
                        : GemmMicroKernel14.overwrite(kc, ap, apOff, bp, bpOff, c, cOff, ldc);
            }
        };
    }

    /** Offset of the packed A panel that starts at row {@code ir} of the block (ir a multiple of the tile's rows). */
    int panelOffset(int ir, int kc, boolean aRows) {
        return ir / rows * (aRows ? BlockedGemm.KC : kc) * rows;
    }
}
