package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every micro-kernel class holds exactly the methods {@link GemmKernelText} writes for its tile and layout. */
class GemmKernelSourceTest {
    @Test
    void everyKernelClassHoldsTheGeneratedMethods() throws IOException {
        Path dir = Path.of("src", "main", "java", "org", "moe4j", "kernel", "gemm");
        for (GemmKernelText.Kernel k : GemmKernelText.KERNELS) {
            String source = Files.readString(dir.resolve(k.className() + ".java"), StandardCharsets.UTF_8);
            int start = GemmKernelText.start(source);
            assertTrue(start > 0, k.className() + " has no overwrite method comment to start from");
            assertEquals(GemmKernelText.methods(k), source.substring(start), k.className()
                    + " differs from what GemmKernelText writes: change the template and run its main, not the class");
        }
    }

    @Test
    void theTilesRowsAreTheKernelsRows() {
        assertEquals(GemmTile.ROWS_4.rows, GemmMicroKernel4.MR);
        assertEquals(GemmTile.ROWS_4.rows, GemmRowsKernel4.MR);
        assertEquals(GemmTile.ROWS_6.rows, GemmMicroKernel.MR);
        assertEquals(GemmTile.ROWS_6.rows, GemmRowsKernel6.MR);
        assertEquals(GemmTile.ROWS_14.rows, GemmMicroKernel14.MR);
        assertEquals(GemmTile.ROWS_14.rows, GemmRowsKernel14.MR);
    }
}
